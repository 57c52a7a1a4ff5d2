"""Operations endpoints: health, readiness, metrics, key set, presigned objects."""

from __future__ import annotations

from typing import Any

import grpc
from flask import Blueprint, Response, abort, jsonify, request, send_file
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from jes.identity.v1 import identity_pb2
from jes_gateway.context import gateway
from jes_grpckit import channel
from jes_objectstore import FileStore

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> Any:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Any:
    gw = gateway()
    problems = {}
    for name, addr in gw.config.platform.addrs.items():
        try:
            stub = health_pb2_grpc.HealthStub(channel(addr))
            reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=2)
            if reply.status != health_pb2.HealthCheckResponse.SERVING:
                problems[name] = "not serving"
        except grpc.RpcError as exc:
            problems[name] = exc.code().name if isinstance(exc, grpc.Call) else "unreachable"
    try:
        gw.store.ping()
    except Exception as exc:
        problems["object-store"] = type(exc).__name__
    if problems:
        return jsonify(status="unavailable", unavailable=problems), 503
    return jsonify(status="ready")


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    """identity's public keys, for court systems that verify JES tokens themselves."""
    reply = gateway().services.identity.call(
        "GetKeySet", identity_pb2.GetKeySetRequest(), timeout=5
    )
    return Response(reply.jwks_json, mimetype="application/json")


@bp.get("/metrics")
def metrics() -> Response:
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)


@bp.get("/objects/<bucket>/<path:key>")
def presigned_object(bucket: str, key: str) -> Any:
    """Presigned GETs of the folder object store (all-in-one mode)."""
    store = gateway().store
    if not isinstance(store, FileStore):
        abort(404)
    expires, signature = request.args.get("exp", ""), request.args.get("sig", "")
    if not store.verify_presigned(bucket, key, expires, signature):
        abort(404)
    path = store.root / bucket / key
    if not path.is_file():
        abort(404)
    return send_file(path, max_age=300)

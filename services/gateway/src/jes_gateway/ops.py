"""Operations endpoints: health, readiness, metrics, key set, presigned objects."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, request, send_file
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from jes_gateway.context import gateway
from jes_gateway.facades.health import unhealthy_backends
from jes_objectstore import FileStore, ObjectNotFound, content_disposition

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> Any:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Any:
    gw = gateway()
    problems = unhealthy_backends(gw.config.platform.addrs, gw.tls)
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
    return Response(gateway().services.identity.key_set_json(), mimetype="application/json")


@bp.get("/metrics")
def metrics() -> Response:
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)


@bp.get("/objects/<bucket>/<path:key>")
def presigned_object(bucket: str, key: str) -> Any:
    """Presigned GETs of the folder object store (all-in-one mode): an object inside its
    bucket (the store's own confinement: no "..", absolute or encoded paths, no symlinks
    out), for a URL signed with the URL signing key; anything else is 404. The objects are
    firms' photos and court reports, so no shared cache may keep them."""
    store = gateway().store
    if not isinstance(store, FileStore):
        abort(404)
    expires, signature = request.args.get("exp", ""), request.args.get("sig", "")
    name = request.args.get("name", "")
    if not signature.isascii():  # no signature we make; compare_digest would raise on it
        abort(404)
    if not store.verify_presigned(bucket, key, expires, signature, name):
        abort(404)
    try:
        path = store.object_path(bucket, key)
    except (ValueError, ObjectNotFound):
        abort(404)
    response = send_file(path)
    response.headers["Cache-Control"] = "private, no-store"
    if name:  # saved under the name the link was signed with
        response.headers["Content-Disposition"] = content_disposition(name)
    return response

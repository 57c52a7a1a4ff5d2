"""The Flask web gateway: pages and the REST/JSON API for external users."""

from __future__ import annotations

import logging
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import grpc
from flask import Flask, Response, abort, g, jsonify, render_template, request, send_file
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from werkzeug.exceptions import HTTPException

from jes.identity.v1 import identity_pb2
from jes.photo_storage.v1 import photo_storage_pb2
from jes_gateway.backends import Backends, grpc_error_response
from jes_gateway.config import GatewayConfig
from jes_grpckit import channel, request_id_var
from jes_grpckit.logs import new_request_id
from jes_objectstore import FileStore, open_store
from jes_zhtw import COURTS

log = logging.getLogger("jes.gateway")

HTTP_REQUESTS = Counter(
    "jes_http_requests_total", "HTTP requests", ["method", "endpoint", "status"]
)
HTTP_DURATION = Histogram(
    "jes_http_request_duration_seconds",
    "HTTP request handling time",
    ["method", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

PLACEMENTS = {
    "indoor": photo_storage_pb2.PLACEMENT_INDOOR,
    "outdoor": photo_storage_pb2.PLACEMENT_OUTDOOR,
    "": photo_storage_pb2.PLACEMENT_UNSPECIFIED,
}


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="請以 JSON 格式送出資料")
    return body


def create_app(config: GatewayConfig, backends: Backends | None = None) -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = config.secret_key
    app.config["MAX_CONTENT_LENGTH"] = config.max_upload_mb * 1024 * 1024
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    platform = config.platform
    services = backends or Backends.connect(platform.addrs)
    store = open_store(
        platform.object_store_url,
        access_key=platform.object_store_access_key,
        secret_key=platform.object_store_secret_key,
        public_url=platform.public_url,
        secret=platform.service_secret,
    )

    @app.context_processor
    def _page_context() -> dict[str, Any]:
        return {"dev_mailbox": config.dev_mailbox}

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()
        g.request_id_token = request_id_var.set(
            request.headers.get("X-Request-ID") or new_request_id()
        )

    @app.after_request
    def _finish(response: Response) -> Response:
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        HTTP_REQUESTS.labels(request.method, endpoint, response.status_code).inc()
        HTTP_DURATION.labels(request.method, endpoint).observe(time.perf_counter() - g.started)
        response.headers["X-Request-ID"] = request_id_var.get()
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.errorhandler(grpc.RpcError)
    def _grpc_error(error: grpc.RpcError) -> Any:
        return grpc_error_response(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        messages = {
            400: "請求格式錯誤",
            401: "請先登入",
            404: "找不到頁面或資料",
            405: "不支援此操作",
            413: f"檔案超過 {config.max_upload_mb} MB 上限",
        }
        message = error.description if error.code == 400 and error.description else None
        message = message or messages.get(error.code or 500, "系統發生錯誤，請稍後再試")
        if request.path.startswith("/api/"):
            return jsonify(error=message), error.code
        return render_template("error.html", message=message), error.code

    # -- operations -----------------------------------------------------------------------

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz() -> Any:
        problems = {}
        for name, addr in platform.addrs.items():
            try:
                stub = health_pb2_grpc.HealthStub(channel(addr))
                reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=2)
                if reply.status != health_pb2.HealthCheckResponse.SERVING:
                    problems[name] = "not serving"
            except grpc.RpcError as exc:
                problems[name] = exc.code().name if isinstance(exc, grpc.Call) else "unreachable"
        try:
            store.ping()
        except Exception as exc:
            problems["object-store"] = type(exc).__name__
        if problems:
            return jsonify(status="unavailable", unavailable=problems), 503
        return jsonify(status="ready")

    @app.get("/.well-known/jwks.json")
    def jwks() -> Response:
        """identity's public keys, for court systems that verify JES tokens themselves."""
        reply = services.identity.call("GetKeySet", identity_pb2.GetKeySetRequest(), timeout=5)
        return Response(reply.jwks_json, mimetype="application/json")

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)

    # -- pages ----------------------------------------------------------------------------

    @app.get("/")
    def home() -> Any:
        return render_template("home.html", courts=COURTS)

    @app.get("/dev/mailbox")
    def mailbox() -> Any:
        if not config.dev_mailbox:
            abort(404)
        folder = Path(urlparse(platform.mail_url).path)
        mails = []
        files = folder.glob("*.eml") if folder.exists() else []
        for path in sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)[:100]:
            message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            body = message.get_body(preferencelist=("plain",))
            mails.append(
                {
                    "to": message["To"],
                    "subject": message["Subject"],
                    "date": message["Date"],
                    "body": body.get_content() if body else "",
                }
            )
        if request.accept_mimetypes.best == "application/json":
            return jsonify(messages=mails)
        return render_template("mailbox.html", mails=mails)

    @app.get("/objects/<bucket>/<path:key>")
    def presigned_object(bucket: str, key: str) -> Any:
        """Presigned GETs of the folder object store (all-in-one mode)."""
        if not isinstance(store, FileStore):
            abort(404)
        expires, signature = request.args.get("exp", ""), request.args.get("sig", "")
        if not store.verify_presigned(bucket, key, expires, signature):
            abort(404)
        path = store.root / bucket / key
        if not path.is_file():
            abort(404)
        return send_file(path, max_age=300)

    # -- REST API v1 ----------------------------------------------------------------------

    @app.post("/api/v1/firm-applications")
    def apply_firm_account() -> Any:
        body = json_body()
        reply = services.identity.call(
            "ApplyFirmAccount",
            identity_pb2.ApplyFirmAccountRequest(
                court_code=str(body.get("court_code", "")),
                company_name=str(body.get("company_name", "")),
                contact_person=str(body.get("contact_person", "")),
                email=str(body.get("email", "")),
                phone=str(body.get("phone", "")),
            ),
        )
        return jsonify(id=reply.id, status="pending", message="申請已送出，請等候法院審核"), 201

    @app.post("/api/v1/sessions")
    def login() -> Any:
        body = json_body()
        reply = services.identity.call(
            "Login",
            identity_pb2.LoginRequest(
                account_id=str(body.get("account_id", "")), password=str(body.get("password", ""))
            ),
        )
        return jsonify(
            access_token=reply.access_token,
            expires_in=reply.expires_in_seconds,
            account={
                "account_id": reply.account.account_id,
                "name": reply.account.display_name,
                "roles": list(reply.account.roles),
                "court_code": reply.account.court_code,
            },
        ), 201

    @app.post("/api/v1/photo-sets")
    def open_photo_set() -> Any:
        body = json_body()
        case = body.get("case_number") or {}
        try:
            request_message = photo_storage_pb2.OpenPhotoSetRequest(
                court_code=str(body.get("court_code", "")),
                division=str(body.get("division", "")),
                case_number=photo_storage_pb2.CaseNumber(
                    year=int(case.get("year", 0)),
                    word=str(case.get("word", "")),
                    number=int(case.get("number", 0)),
                ),
                batch=int(body.get("batch") or 1),
            )
        except (TypeError, ValueError, AttributeError):
            abort(400, description="案號格式錯誤")
        reply = services.photos.call("OpenPhotoSet", request_message, token=bearer_token())
        return jsonify(photo_set_json(reply))

    @app.get("/api/v1/photo-sets/<set_id>")
    def get_photo_set(set_id: str) -> Any:
        reply = services.photos.call(
            "GetPhotoSet",
            photo_storage_pb2.GetPhotoSetRequest(photo_set_id=set_id),
            token=bearer_token(),
        )
        return jsonify(photo_set_json(reply))

    @app.post("/api/v1/photo-sets/<set_id>/photos")
    def upload_photo(set_id: str) -> Any:
        upload = request.files.get("file")
        if upload is None:
            abort(400, description="請選擇要上傳的照片")
        placement = request.form.get("placement", "")
        if placement not in PLACEMENTS:
            abort(400, description="室內/室外欄位不正確")
        reply = services.photos.call(
            "UploadPhoto",
            photo_storage_pb2.UploadPhotoRequest(
                photo_set_id=set_id,
                content=upload.read(),
                filename=upload.filename or "",
                placement=PLACEMENTS[placement],
                auction_target=request.form.get("auction_target", ""),
                description=request.form.get("description", ""),
                remark=request.form.get("remark", ""),
            ),
            token=bearer_token(),
        )
        return jsonify(photo_json(reply)), 201

    @app.post("/api/v1/photo-sets/<set_id>/print")
    def print_photo_set(set_id: str) -> Any:
        reply = services.photos.call(
            "PrintPhotoSet",
            photo_storage_pb2.PrintPhotoSetRequest(photo_set_id=set_id),
            token=bearer_token(),
            timeout=300,
        )
        return jsonify(
            photo_set=photo_set_json(reply.photo_set),
            report_id=reply.report_id,
            fingerprint=reply.fingerprint,
            pages=reply.pages,
        )

    return app


def photo_json(photo: photo_storage_pb2.Photo) -> dict[str, Any]:
    return {
        "id": photo.id,
        "sequence": photo.sequence,
        "placement": {1: "indoor", 2: "outdoor"}.get(photo.placement, ""),
        "orientation": {1: "landscape", 2: "portrait"}.get(photo.orientation, ""),
        "auction_target": photo.auction_target,
        "description": photo.description,
        "remark": photo.remark,
        "width": photo.width,
        "height": photo.height,
        "sha256": photo.sha256,
    }


def photo_set_json(photo_set: photo_storage_pb2.PhotoSet) -> dict[str, Any]:
    status = photo_storage_pb2.PhotoSetStatus.Name(photo_set.status)
    return {
        "id": photo_set.id,
        "court_code": photo_set.court_code,
        "division": photo_set.division,
        "case_number": {
            "year": photo_set.case_number.year,
            "word": photo_set.case_number.word,
            "number": photo_set.case_number.number,
        },
        "batch": photo_set.batch,
        "status": status.removeprefix("PHOTO_SET_STATUS_").lower(),
        "version": photo_set.version,
        "photos": [photo_json(p) for p in photo_set.photos],
    }

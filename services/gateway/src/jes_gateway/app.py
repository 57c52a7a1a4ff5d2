"""The Flask web gateway: pages for people and the REST/JSON API for programs."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from flask import Flask, Response, g, redirect, render_template, request, url_for
from prometheus_client import Counter, Histogram
from werkzeug.exceptions import HTTPException

from jes_db import Database
from jes_db.ratelimit import SqlRateLimiter
from jes_gateway import api, edge, ops, web
from jes_gateway.config import GatewayConfig
from jes_gateway.context import Gateway
from jes_gateway.facades import Backends, Facades
from jes_gateway.presentation import roc
from jes_gateway.presentation.systems import CASE_READERS
from jes_gateway.problems import Problem
from jes_gateway.web.session import (
    check_csrf,
    csrf_token,
    current_user,
    return_path,
    sign_out,
)
from jes_gateway.web.urls import page_url_for
from jes_grpckit.logs import request_id_var
from jes_grpckit.tls import TlsIdentity
from jes_objectstore import open_store

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

HTTP_MESSAGES = {
    400: "請求格式錯誤",
    401: "請先登入",
    403: "您沒有使用此功能的權限",
    404: "找不到頁面或資料",
    405: "不支援此操作",
    409: "資料狀態已改變，請重新整理後再試",
    429: "嘗試次數過多，請稍後再試",
}


def create_app(config: GatewayConfig, backends: Backends | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=config.secret_key,
        MAX_CONTENT_LENGTH=config.max_upload_mb * 1024 * 1024,
        SESSION_COOKIE_NAME="jes_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.platform.public_url.startswith("https://"),
        # identity's absolute session lifetime (it also ends the session on the server)
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        # the cookie is made at login for those 12 hours and changes only when its content
        # does: not signed and sent again on every page (identity decides on each page
        # whether the session is still active)
        SESSION_REFRESH_EACH_REQUEST=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    platform = config.platform
    tls = TlsIdentity.load(config.tls, "gateway")
    app.extensions["jes"] = Gateway(
        config=config,
        tls=tls,
        services=Facades.over(backends or Backends.connect(platform.addrs, tls)),
        store=open_store(
            platform.object_store_url,
            access_key=platform.object_store_access_key,
            secret_key=platform.object_store_secret_key,
            public_url=platform.public_url,
            signing_key=platform.url_signing_key,
        ),
        limits=SqlRateLimiter(Database(config.database_url)),
    )
    roc.register(app)
    app.jinja_env.globals["url_for"] = page_url_for
    for blueprint in (ops.bp, *web.BLUEPRINTS):
        app.register_blueprint(blueprint)
    api.register(app)

    @app.context_processor
    def _page_context() -> dict[str, Any]:
        return {
            "dev_mailbox": config.dev_mailbox,
            "user": current_user(),
            "csrf_token": csrf_token,
            "case_readers": CASE_READERS,
        }

    policy = edge.content_security_policy(platform.object_store_url)

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()
        g.request_id_token = request_id_var.set(edge.request_id(request))
        if edge.unreadable_json(app, request):
            raise Problem(400, edge.UNREADABLE_TEXT)
        check_csrf()

    @app.after_request
    def _finish(response: Response) -> Response:
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        HTTP_REQUESTS.labels(request.method, endpoint, response.status_code).inc()
        HTTP_DURATION.labels(request.method, endpoint).observe(time.perf_counter() - g.started)
        response.headers["X-Request-ID"] = request_id_var.get()
        edge.secure(
            response,
            policy=policy,
            https=edge.is_https(request, config.trusted_proxies),
            # Static files only: pages, API answers and stored objects (photos, PDFs behind
            # presigned URLs) are someone's, so neither browsers nor proxies keep them.
            public=request.path.startswith("/static/"),
        )
        return response

    @app.errorhandler(Problem)
    def _problem(problem: Problem) -> Any:
        if is_api_request():
            return problem.response()
        if problem.status == 401:  # the session's token expired or was revoked
            sign_out()
            return redirect(url_for("auth.login", next=return_path()))
        message = problem.detail or HTTP_MESSAGES.get(problem.status, "")
        return render_template("error.html", message=message), problem.status

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        messages = {**HTTP_MESSAGES, 413: f"檔案超過 {config.max_upload_mb} MB 上限"}
        described = error.code in (400, 403, 409, 429) and error.description
        is_default = error.description == type(error).description
        message = error.description if described and not is_default else None
        message = message or messages.get(error.code or 500, "系統發生錯誤，請稍後再試")
        if is_api_request() or request.accept_mimetypes.best == "application/json":
            return Problem(error.code or 500, message).response()
        if error.code == 413 and (back := web.photo_edit.back_after_too_large()) is not None:
            return back
        return render_template("error.html", message=message), error.code

    return app


def is_api_request() -> bool:
    return request.path.startswith("/api/")

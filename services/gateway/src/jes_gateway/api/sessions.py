"""POST /sessions: log in for an access token."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from jes_gateway.api.common import PREFIX, services
from jes_gateway.api.schemas.accounts import LoginInput, Session
from jes_gateway.api.spec import PUBLIC, answers, api
from jes_gateway.limits import login_limiter
from jes_gateway.ratelimit import current_client

bp = Blueprint("api_sessions", __name__, url_prefix=PREFIX)


@bp.post("/sessions")
@api.validate(resp=answers(201, Session, 400, 401, 429), tags=["帳號"], security=PUBLIC)
def login(json: LoginInput) -> Any:
    """登入，取得存取權杖"""
    login_limiter.check("login")  # one budget per client with the login page
    reply = services().identity.login(json.account_id, json.password, current_client())
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

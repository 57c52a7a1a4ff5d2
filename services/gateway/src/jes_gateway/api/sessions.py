"""Sessions: log in (an access token of 5 minutes and a refresh token for the session
identity keeps), refresh, log out; the caller's sessions, ending one or all of them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from jes_gateway.api.common import PREFIX, bearer_token, services
from jes_gateway.api.schemas.accounts import (
    LoginInput,
    LogoutInput,
    Message,
    RefreshInput,
    Session,
    SessionList,
    SessionsEnded,
)
from jes_gateway.api.spec import PUBLIC, answers, api
from jes_gateway.limits import login_limiter
from jes_gateway.presentation.sessions import session_json
from jes_gateway.presentation.shapes import iso
from jes_gateway.ratelimit import current_client

bp = Blueprint("api_sessions", __name__, url_prefix=PREFIX)
TAG = "帳號"
SESSION_ID = {"session_id": "登入（session）的 id"}


@bp.post("/sessions")
@api.validate(resp=answers(201, Session, 400, 401, 429), tags=[TAG], security=PUBLIC)
def login(json: LoginInput) -> Any:
    """登入，取得存取權杖"""
    login_limiter.check("login")  # one budget per client with the login page
    reply = services().identity.login(
        json.account_id,
        json.password,
        current_client(),
        request.headers.get("User-Agent", "")[:200],
    )
    return jsonify(
        access_token=reply.access_token,
        expires_in=reply.expires_in_seconds,
        refresh_token=reply.session_token,
        session_id=reply.session_id,
        idle_expires_at=iso(reply.idle_expires_at),
        absolute_expires_at=iso(reply.absolute_expires_at),
        account={
            "account_id": reply.account.account_id,
            "name": reply.account.display_name,
            "roles": list(reply.account.roles),
            "court_code": reply.account.court_code,
        },
    ), 201


@bp.post("/sessions/refresh")
@api.validate(resp=answers(200, Session, 400, 401, 429), tags=[TAG], security=PUBLIC)
def refresh(json: RefreshInput) -> Any:
    """以 refresh_token 換取新的存取權杖（視為使用中，閒置時間重新計算）"""
    login_limiter.check("refresh")
    tokens = services().identity.refresh_session(
        json.refresh_token, touch=True, client_address=current_client()
    )
    return jsonify(
        access_token=tokens.access_token,
        expires_in=tokens.expires_in_seconds,
        refresh_token=json.refresh_token,
        session_id=tokens.session_id,
        idle_expires_at=iso(tokens.idle_expires_at),
        absolute_expires_at=iso(tokens.absolute_expires_at),
        account={
            "account_id": tokens.account_id,
            "name": tokens.display_name,
            "roles": list(tokens.roles),
            "court_code": tokens.court_code,
        },
    )


@bp.post("/sessions/logout")
@api.validate(resp=answers(200, Message, 400), tags=[TAG], security=PUBLIC)
def logout(json: LogoutInput) -> Any:
    """登出：結束此登入（refresh_token 隨即失效，已發出的存取權杖至多 5 分鐘內失效）"""
    services().identity.end_session(json.refresh_token)
    return jsonify(message="已登出")


@bp.get("/sessions")
@api.validate(resp=answers(200, SessionList, 401), tags=[TAG])
def list_sessions() -> Any:
    """目前登入中的裝置（時間、來源位址、瀏覽器）"""
    infos = services().identity.my_sessions(bearer_token())
    return jsonify(sessions=[session_json(info) for info in infos])


@bp.delete("/sessions/<session_id>")
@api.validate(
    resp=answers(200, SessionsEnded, 401, 404), tags=[TAG], path_parameter_descriptions=SESSION_ID
)
def end_session(session_id: str) -> Any:
    """登出一個裝置"""
    ended = services().identity.end_my_sessions(bearer_token(), session_id=session_id)
    return jsonify(ended=ended, message="已登出該裝置")


@bp.delete("/sessions")
@api.validate(resp=answers(200, SessionsEnded, 401), tags=[TAG])
def end_all_sessions() -> Any:
    """登出所有裝置（包含此存取權杖所屬的登入）"""
    ended = services().identity.end_my_sessions(bearer_token(), everywhere=True)
    return jsonify(ended=ended, message="已登出所有裝置")

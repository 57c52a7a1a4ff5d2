"""POST /sessions: log in for an access token."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from jes_gateway import captcha
from jes_gateway.api.common import PREFIX, services
from jes_gateway.api.schemas.accounts import LoginInput, Session
from jes_gateway.api.spec import PUBLIC, answers, api
from jes_gateway.limits import check_login_budget
from jes_gateway.ratelimit import current_client

bp = Blueprint("api_sessions", __name__, url_prefix=PREFIX)


@bp.post("/sessions")
@api.validate(resp=answers(201, Session, 400, 401, 409, 429), tags=["帳號"], security=PUBLIC)
def login(json: LoginInput) -> Any:
    """登入，取得存取權杖

    同一帳號自同一來源失敗 3 次後須附驗證碼（POST /captchas；缺少或錯誤時 400，
    fields.captcha），失敗 5 次起須等待 1 分鐘、2 分鐘……最多 15 分鐘（429）。
    帶上先前取得的 device_token 時，不受他人猜測密碼影響。
    """
    check_login_budget(json.device_token)  # one budget per client with the login page
    reply = services().identity.login(
        json.account_id,
        json.password,
        current_client(),
        device_token=json.device_token,
        captcha_id=json.captcha_id,
        captcha_answer=captcha.typed_answer(json.captcha_answer),
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
        device_token=reply.device_token,
    ), 201

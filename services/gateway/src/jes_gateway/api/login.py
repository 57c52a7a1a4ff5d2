"""POST /captchas (the login captcha) and GET /account/logins (the caller's login records)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, url_for
from google.protobuf.timestamp_pb2 import Timestamp

from jes.identity.v1 import identity_pb2 as pb
from jes_gateway import captcha
from jes_gateway.api.common import PREFIX, bearer_token, services
from jes_gateway.api.schemas.login import Captcha, LoginHistory
from jes_gateway.api.spec import PUBLIC, answers, api
from jes_gateway.context import gateway
from jes_gateway.limits import captcha_limiter
from jes_gateway.presentation.roc import roc_datetime

bp = Blueprint("api_login", __name__, url_prefix=PREFIX)
TAG = "帳號"


def iso(value: Timestamp) -> str:
    return value.ToDatetime().strftime("%Y-%m-%dT%H:%M:%SZ")


def attempt_json(attempt: pb.LoginAttempt) -> dict[str, Any]:
    return {
        "at": iso(attempt.at),
        "at_text": roc_datetime(attempt.at),
        "client_address": attempt.client_address,
        "success": attempt.success,
        "refused": attempt.refused,
    }


@bp.post("/captchas")
@api.validate(resp=answers(201, Captcha, 429), tags=[TAG], security=PUBLIC)
def new_captcha() -> Any:
    """取得登入驗證碼（圖片及國語語音）

    登入失敗數次後（或帳號、來源位址遭大量嘗試時），POST /sessions 須附上 captcha_id 及
    captcha_answer。每組驗證碼只能使用一次（答錯也會失效），5 分鐘內有效。
    """
    captcha_limiter.check("captcha")
    challenge = captcha.present(
        services().identity.new_login_challenge(), gateway().config.secret_key
    )
    audio = url_for("auth.captcha_audio", token=challenge.audio_token, _external=False)
    return jsonify(
        id=challenge.id,
        image=challenge.image_data_url,
        audio_url=gateway().config.platform.public_url + audio,
        expires_at=challenge.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    ), 201


@bp.get("/account/logins")
@api.validate(resp=answers(200, LoginHistory, 401), tags=[TAG])
def my_logins() -> Any:
    """我的登入記錄：上次登入成功、之後的登入失敗及最近的登入嘗試"""
    history = services().identity.my_login_records(bearer_token())
    previous = (
        attempt_json(history.previous_success) if history.HasField("previous_success") else None
    )
    return jsonify(
        previous_success=previous,
        recent_failures=[attempt_json(a) for a in history.recent_failures],
        failure_count=history.failure_count,
        attempts=[attempt_json(a) for a in history.attempts],
    )

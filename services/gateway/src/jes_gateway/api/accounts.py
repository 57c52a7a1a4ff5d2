"""Accounts: set a password from a mailed link, forgot password / account id, the
caller's own account and password."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from jes_gateway.api.common import PREFIX, bearer_token, services
from jes_gateway.api.schemas.accounts import (
    Account,
    AccountPatch,
    ChangePasswordInput,
    EmailChangeInput,
    EmailCodeSent,
    EmailConfirmInput,
    Message,
    PasswordSet,
    ReminderInput,
    ResetRequestInput,
    SetPasswordInput,
)
from jes_gateway.api.shapes import account_json
from jes_gateway.api.spec import PUBLIC, answers, api
from jes_gateway.limits import (
    ACCOUNT_ID_SENT,
    RESET_SENT,
    mail_request_limiter,
    set_password_limiter,
)
from jes_gateway.presentation.shapes import iso
from jes_gateway.problems import Problem

bp = Blueprint("api_accounts", __name__, url_prefix=PREFIX)
TAG = "帳號"
ACCEPTED = "已受理；資料正確時才會寄信，回覆一律相同"

# The API calls it `name` (as POST /sessions does); identity calls it display_name.
PROFILE_FIELDS = {
    "name": "display_name",
    "email": "email",
    "phone": "phone",
    "contact_person": "contact_person",
}


@bp.post("/password/set")
@api.validate(resp=answers(200, PasswordSet, 400, 409, 429), tags=[TAG], security=PUBLIC)
def set_password(json: SetPasswordInput) -> Any:
    """以電子郵件中的一次性連結設定密碼（帳號開通或重設密碼）

    連結無效、已使用或逾期時回傳 409。
    """
    set_password_limiter.check("set-password")
    result = services().identity.set_password(json.token, json.new_password)
    return jsonify(account_id=result.account_id, message="密碼已設定完成，請以新密碼登入")


@bp.post("/password/reset-requests")
@api.validate(resp=answers(202, (Message, ACCEPTED), 400, 429), tags=[TAG], security=PUBLIC)
def request_password_reset(json: ResetRequestInput) -> Any:
    """忘記密碼：寄出重設密碼連結"""
    mail_request_limiter.check("password-reset")
    services().identity.request_password_reset(json.account_id.strip().upper(), json.email)
    return jsonify(message=RESET_SENT), 202


@bp.post("/account-id-reminders")
@api.validate(resp=answers(202, (Message, ACCEPTED), 400, 429), tags=[TAG], security=PUBLIC)
def remind_account_id(json: ReminderInput) -> Any:
    """忘記帳號：將帳號寄至登記的電子郵件"""
    mail_request_limiter.check("account-id-reminder")
    services().identity.remind_account_id(json.email)
    return jsonify(message=ACCOUNT_ID_SENT), 202


@bp.get("/account")
@api.validate(resp=answers(200, Account, 401), tags=[TAG])
def get_account() -> Any:
    """個人帳號資料"""
    return jsonify(account_json(services().identity.my_account(bearer_token())))


@bp.patch("/account")
@api.validate(resp=answers(200, Account, 400, 401), tags=[TAG])
def update_account(json: AccountPatch) -> Any:
    """修改個人帳號資料（只修改有送出的欄位）"""
    identity = services().identity
    current = identity.my_account(bearer_token())
    sent = json.model_dump(exclude_none=True)
    wanted = {
        grpc_name: sent.get(api_name, getattr(current, grpc_name))
        for api_name, grpc_name in PROFILE_FIELDS.items()
    }
    try:
        account = identity.update_my_account(bearer_token(), **wanted)
    except Problem as refused:
        # identity's field names, as the API names them
        api_names = {grpc_name: api for api, grpc_name in PROFILE_FIELDS.items()}
        refused.fields = {api_names.get(k, k): v for k, v in refused.fields.items()}
        raise
    return jsonify(account_json(account))


@bp.post("/account/email-change")
@api.validate(resp=answers(202, EmailCodeSent, 400, 401, 429), tags=[TAG])
def request_email_change(json: EmailChangeInput) -> Any:
    """變更電子郵件：寄出認證碼到新信箱（輸入認證碼前仍使用原信箱）"""
    sent = services().identity.request_email_change(bearer_token(), json.email)
    return jsonify(
        email=sent.email,
        expires_at=iso(sent.expires_at),
        resend_after_seconds=sent.resend_after_seconds,
        message="認證碼已寄到新信箱，10 分鐘內有效",
    ), 202


@bp.post("/account/email-change/confirm")
@api.validate(resp=answers(200, Account, 400, 401, 409), tags=[TAG])
def confirm_email_change(json: EmailConfirmInput) -> Any:
    """以認證碼確認新電子郵件（確認後啟用新信箱，並通知原信箱）"""
    return jsonify(
        account_json(services().identity.confirm_email_change(bearer_token(), json.code))
    )


@bp.post("/account/password")
@api.validate(resp=answers(200, Message, 400, 401, 429), tags=[TAG])
def change_password(json: ChangePasswordInput) -> Any:
    """變更密碼"""
    services().identity.change_password(bearer_token(), json.current_password, json.new_password)
    return jsonify(message="密碼已變更")

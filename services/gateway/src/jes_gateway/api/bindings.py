"""帳號綁定: the caller's binding of a portal account and a case-progress account."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from jes.identity.v1 import binding_pb2
from jes_gateway.api.common import PREFIX, bearer_token, services
from jes_gateway.api.schemas.accounts import (
    BindingCodeInput,
    BindingEntry,
    BindingList,
    BindInput,
    EmailCodeSent,
    Message,
)
from jes_gateway.api.spec import answers, api
from jes_gateway.presentation.shapes import iso
from jes_gateway.ratelimit import current_client

bp = Blueprint("api_bindings", __name__, url_prefix=PREFIX)
TAG = "帳號"
OTHER_ACCOUNT = {"account_id": "綁定的另一個帳號"}


def binding_json(b: binding_pb2.AccountBinding) -> dict[str, Any]:
    return {
        "portal_account_id": b.portal_account_id,
        "portal_name": b.portal_display_name,
        "progress_account_id": b.progress_account_id,
        "progress_name": b.progress_display_name,
        "bound_at": iso(b.bound_at),
    }


@bp.get("/account/bindings")
@api.validate(resp=answers(200, BindingList, 401), tags=[TAG])
def list_bindings() -> Any:
    """帳號綁定：目前綁定的帳號"""
    bindings = services().identity.my_bindings(bearer_token())
    return jsonify(bindings=[binding_json(b) for b in bindings])


@bp.post("/account/bindings/code")
@api.validate(resp=answers(202, EmailCodeSent, 400, 401, 404, 409, 429), tags=[TAG])
def send_binding_code(json: BindingCodeInput) -> Any:
    """帳號綁定：寄認證碼到另一個帳號的電子郵件（回覆中的信箱已遮蔽）"""
    sent = services().identity.send_binding_code(bearer_token(), json.account_id)
    return jsonify(
        email=sent.email,
        expires_at=iso(sent.expires_at),
        resend_after_seconds=sent.resend_after_seconds,
        message="認證碼已寄出，10 分鐘內有效",
    ), 202


@bp.post("/account/bindings")
@api.validate(resp=answers(201, BindingEntry, 400, 401, 404, 409, 429), tags=[TAG])
def bind(json: BindInput) -> Any:
    """帳號綁定：以另一個帳號的密碼或認證碼證明擁有後綁定"""
    bound = services().identity.bind_account(
        bearer_token(),
        json.account_id,
        password=json.password,
        code=json.code,
        client=current_client(),
    )
    return jsonify(binding_json(bound)), 201


@bp.delete("/account/bindings/<account_id>")
@api.validate(
    resp=answers(200, Message, 401, 404), tags=[TAG], path_parameter_descriptions=OTHER_ACCOUNT
)
def unbind(account_id: str) -> Any:
    """解除帳號綁定"""
    services().identity.unbind_account(bearer_token(), account_id)
    return jsonify(message="已解除綁定")

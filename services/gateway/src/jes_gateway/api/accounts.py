"""REST API for accounts: set a password from a mailed link, forgot password / account id,
the caller's own account and password."""

from __future__ import annotations

from typing import Any, cast

import grpc
from flask import Blueprint, Response, jsonify

from jes.identity.v1 import identity_pb2
from jes_gateway.api.openapi import (
    MESSAGE,
    STRING,
    body,
    errors,
    obj,
    operation,
    ref,
    reply,
)
from jes_gateway.api.v1 import bearer_token, json_body
from jes_gateway.backends import grpc_error_response
from jes_gateway.context import gateway
from jes_gateway.web.account import (
    ACCOUNT_ID_SENT,
    RESET_SENT,
    mail_request_limiter,
    set_password_limiter,
)

bp = Blueprint("api_accounts", __name__, url_prefix="/api/v1")

# The API calls it `name` (as POST /sessions does); identity calls it display_name.
PROFILE_FIELDS = {
    "name": "display_name",
    "email": "email",
    "phone": "phone",
    "contact_person": "contact_person",
}


def text(values: dict[str, Any], name: str) -> str:
    value = values.get(name, "")
    return value if isinstance(value, str) else str(value)


def account_json(account: identity_pb2.Account) -> dict[str, Any]:
    return {
        "account_id": account.account_id,
        "name": account.display_name,
        "email": account.email,
        "phone": account.phone,
        "contact_person": account.contact_person,
        "roles": list(account.roles),
        "court_code": account.court_code,
        "password_set": account.password_set,
    }


def renamed_fields(error: grpc.RpcError) -> Any:
    """identity's error, with its field names as the API names them."""
    response, status = cast(tuple[Response, int], grpc_error_response(error))
    payload = response.get_json()
    if "fields" in payload:
        api_names = {grpc_name: api for api, grpc_name in PROFILE_FIELDS.items()}
        payload["fields"] = {api_names.get(k, k): v for k, v in payload["fields"].items()}
    return jsonify(payload), status


@bp.post("/password/set")
def set_password() -> Any:
    set_password_limiter.check("set-password")
    values = json_body()
    result = gateway().services.identity.call(
        "SetPassword",
        identity_pb2.SetPasswordRequest(
            token=text(values, "token"), new_password=text(values, "new_password")
        ),
    )
    return jsonify(account_id=result.account_id, message="密碼已設定完成，請以新密碼登入")


@bp.post("/password/reset-requests")
def request_password_reset() -> Any:
    mail_request_limiter.check("password-reset")
    values = json_body()
    gateway().services.identity.call(
        "RequestPasswordReset",
        identity_pb2.RequestPasswordResetRequest(
            account_id=text(values, "account_id").strip().upper(), email=text(values, "email")
        ),
    )
    return jsonify(message=RESET_SENT), 202


@bp.post("/account-id-reminders")
def remind_account_id() -> Any:
    mail_request_limiter.check("account-id-reminder")
    values = json_body()
    gateway().services.identity.call(
        "RemindAccountId", identity_pb2.RemindAccountIdRequest(email=text(values, "email"))
    )
    return jsonify(message=ACCOUNT_ID_SENT), 202


@bp.get("/account")
def get_account() -> Any:
    account = gateway().services.identity.call(
        "GetMyAccount", identity_pb2.GetMyAccountRequest(), token=bearer_token()
    )
    return jsonify(account_json(account))


@bp.patch("/account")
def update_account() -> Any:
    """Only the fields sent change; the others keep their current values."""
    values = json_body()
    identity = gateway().services.identity
    current = identity.call(
        "GetMyAccount", identity_pb2.GetMyAccountRequest(), token=bearer_token()
    )
    wanted = {
        grpc_name: text(values, api_name) if api_name in values else getattr(current, grpc_name)
        for api_name, grpc_name in PROFILE_FIELDS.items()
    }
    try:
        account = identity.call(
            "UpdateMyAccount", identity_pb2.UpdateMyAccountRequest(**wanted), token=bearer_token()
        )
    except grpc.RpcError as error:
        return renamed_fields(error)
    return jsonify(account_json(account))


@bp.post("/account/password")
def change_password() -> Any:
    values = json_body()
    gateway().services.identity.call(
        "ChangePassword",
        identity_pb2.ChangePasswordRequest(
            current_password=text(values, "current_password"),
            new_password=text(values, "new_password"),
        ),
        token=bearer_token(),
    )
    return jsonify(message="密碼已變更")


POLICY_IN_WORDS = (
    "8 至 64 個字元，須同時包含英文大寫、小寫字母及數字，只能使用英文字母、數字及 @!?.()~"
)

OPENAPI_PATHS: dict[str, Any] = {
    "/password/set": {
        "post": operation(
            "以電子郵件中的一次性連結設定密碼（帳號開通或重設密碼）",
            "帳號",
            {
                "200": reply("密碼已設定", obj({"account_id": STRING, "message": STRING})),
                **errors(400, 409, 429),
            },
            public=True,
            request_body=body(
                obj(
                    {
                        "token": {"type": "string", "description": "連結中的 token 參數"},
                        "new_password": {"type": "string", "description": POLICY_IN_WORDS},
                    },
                    ["token", "new_password"],
                )
            ),
            description="連結無效、已使用或逾期時回傳 409。",
        )
    },
    "/password/reset-requests": {
        "post": operation(
            "忘記密碼：寄出重設密碼連結",
            "帳號",
            {"202": reply("已受理；資料正確時才會寄信，回覆一律相同", MESSAGE), **errors(400, 429)},
            public=True,
            request_body=body(
                obj({"account_id": STRING, "email": STRING}, ["account_id", "email"])
            ),
        )
    },
    "/account-id-reminders": {
        "post": operation(
            "忘記帳號：將帳號寄至登記的電子郵件",
            "帳號",
            {"202": reply("已受理；資料正確時才會寄信，回覆一律相同", MESSAGE), **errors(400, 429)},
            public=True,
            request_body=body(obj({"email": STRING}, ["email"])),
        )
    },
    "/account": {
        "get": operation(
            "個人帳號資料",
            "帳號",
            {"200": reply("本人的帳號", ref("Account")), **errors(401)},
        ),
        "patch": operation(
            "修改個人帳號資料（只修改有送出的欄位）",
            "帳號",
            {"200": reply("修改後的帳號", ref("Account")), **errors(400, 401)},
            request_body=body(
                obj(
                    {
                        "name": {"type": "string", "description": "名稱（必填，不可為空）"},
                        "email": STRING,
                        "phone": STRING,
                        "contact_person": STRING,
                    }
                )
            ),
        ),
    },
    "/account/password": {
        "post": operation(
            "變更密碼",
            "帳號",
            {"200": reply("密碼已變更", MESSAGE), **errors(400, 401, 429)},
            request_body=body(
                obj(
                    {
                        "current_password": STRING,
                        "new_password": {"type": "string", "description": POLICY_IN_WORDS},
                    },
                    ["current_password", "new_password"],
                )
            ),
        )
    },
}

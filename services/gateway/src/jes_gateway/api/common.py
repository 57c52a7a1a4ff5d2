"""What every API module shares: the services, the caller's bearer token, refusals."""

from __future__ import annotations

import re
from typing import NoReturn

from flask import request

from jes_gateway.context import gateway
from jes_gateway.facades import Facades
from jes_gateway.problems import INVALID_MESSAGE, Problem

PREFIX = "/api/v1"
NOT_JSON = "請以 JSON 格式送出資料"
MALFORMED_CREDENTIAL_MESSAGE = "存取權杖格式不正確，請重新登入"
B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")  # RFC 6750's b64token


def services() -> Facades:
    return gateway().services


def bearer_token() -> str:
    """The caller's token ("" without one); one that is no RFC 6750 token (which no gRPC
    metadata could carry either) is refused as such."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if token and not B64TOKEN.fullmatch(token):
        raise Problem(401, MALFORMED_CREDENTIAL_MESSAGE)
    return token


def refuse(fields: dict[str, str], message: str = INVALID_MESSAGE) -> NoReturn:
    """400 with a zh-TW message per field, like the services' own refusals."""
    raise Problem(400, message, fields)

"""What every API module shares: the services, the caller's bearer token, refusals."""

from __future__ import annotations

from typing import NoReturn

from flask import request

from jes_gateway.context import gateway
from jes_gateway.facades import Facades
from jes_gateway.problems import INVALID_MESSAGE, Problem

PREFIX = "/api/v1"
NOT_JSON = "請以 JSON 格式送出資料"


def services() -> Facades:
    return gateway().services


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def refuse(fields: dict[str, str], message: str = INVALID_MESSAGE) -> NoReturn:
    """400 with a zh-TW message per field, like the services' own refusals."""
    raise Problem(400, message, fields)

"""Pages of a listing: their size and the keyset token that continues one."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from jes_domain import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
BAD_PAGE = "分頁資料有誤"


def page_size(requested: int) -> int:
    """0 = 50; more than 200 is 200; a negative size is refused."""
    if requested < 0:
        raise InvalidArgument(BAD_PAGE, fields={"page_size": "每頁筆數不可為負數"})
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def encode_token(position: list[Any]) -> str:
    """An opaque token for the row a page ended at (its sort key)."""
    raw = json.dumps(position, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, length: int) -> list[Any] | None:
    """The position a token names (None for ""); InvalidArgument for anything else."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        position = json.loads(raw)
    except (binascii.Error, ValueError):
        position = None
    if not isinstance(position, list) or len(position) != length:
        raise InvalidArgument(BAD_PAGE, fields={"page_token": "分頁標記不正確，請從第一頁重新查詢"})
    if not all(isinstance(part, str) for part in position):
        raise InvalidArgument(BAD_PAGE, fields={"page_token": "分頁標記不正確，請從第一頁重新查詢"})
    return position

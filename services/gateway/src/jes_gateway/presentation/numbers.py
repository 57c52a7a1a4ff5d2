"""The numbers services take: every integer in the contracts is a protobuf int32 (versions,
years, case numbers, sequences, pages), so a larger one is refused before a request is built."""

from __future__ import annotations

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
OUT_OF_RANGE = f"數值超出範圍（須介於 {INT32_MIN} 與 {INT32_MAX} 之間）"


def fits_int32(value: int) -> bool:
    return INT32_MIN <= value <= INT32_MAX


def int32(raw: str) -> int:
    """An integer from form or query text; ValueError when it is none, or too large."""
    value = int(raw)
    if not fits_int32(value):
        raise ValueError(OUT_OF_RANGE)
    return value

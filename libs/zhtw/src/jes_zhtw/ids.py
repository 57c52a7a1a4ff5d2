"""Validators for Taiwan identity and business numbers.

Each kind has ``is_valid_X(s) -> bool`` and ``validate_X(s) -> str``; the latter returns
the normalized number (NFKC, surrounding whitespace removed, upper case) or raises
ValueError with a zh-TW message.

Error messages never repeat the number itself: these are personal data and exception
messages end up in logs.

* 身分證字號 (national ID): area letter, 1 or 2 (sex), 7 digits, check digit.
* 外來人口統一證號 (resident certificate / UI number): old format, area letter + A-D +
  8 digits; new format since 2021-01-02, area letter + 8 or 9 + 8 digits. The new
  format uses exactly the national ID checksum.
* 統一編號 (unified business number): 8 digits; checksum rule of the Ministry of
  Finance as amended for 2023-04-01 (divisible by 5 instead of 10).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

__all__ = [
    "is_valid_business_number",
    "is_valid_national_id",
    "is_valid_resident_certificate",
    "validate_business_number",
    "validate_national_id",
    "validate_resident_certificate",
]

# The official letter codes: not alphabetical, because I, O, W-Z were added after
# the original table was drawn up.
_LETTER_VALUES: dict[str, int] = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17,
    "I": 34, "J": 18, "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23,
    "Q": 24, "R": 25, "S": 26, "T": 27, "U": 28, "V": 29, "W": 32, "X": 30,
    "Y": 31, "Z": 33,
}  # fmt: skip

# Weights for the 11 digits: the letter's two digits, then the 9 characters after it.
_ID_WEIGHTS = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1)

# [0-9], not \d: \d also matches other scripts' digits (e.g. Arabic-Indic), which NFKC
# leaves alone and which must not end up in a "normalized" number.
_NATIONAL_ID = re.compile(r"[A-Z][12][0-9]{8}")
_RESIDENT_OLD = re.compile(r"[A-Z][A-D][0-9]{8}")
_RESIDENT_NEW = re.compile(r"[A-Z][89][0-9]{8}")
_BUSINESS_NUMBER = re.compile(r"[0-9]{8}")

_BUSINESS_WEIGHTS = (1, 2, 1, 2, 1, 2, 4, 1)


def _normalize(s: str) -> str:
    # NFKC turns full-width letters and digits (typed with a Chinese IME) into ASCII.
    return unicodedata.normalize("NFKC", s).strip().upper()


def _id_checksum_ok(letter: str, digits: str) -> bool:
    """Checksum shared by national IDs and both resident certificate formats."""
    code = _LETTER_VALUES[letter]
    values = (code // 10, code % 10, *(int(c) for c in digits))
    return sum(w * v for w, v in zip(_ID_WEIGHTS, values, strict=True)) % 10 == 0


def validate_national_id(s: str) -> str:
    """Validate a 身分證字號 such as ``A123456789``; return it normalized."""
    value = _normalize(s)
    if not _NATIONAL_ID.fullmatch(value):
        raise ValueError("身分證字號格式錯誤：應為 1 個英文字母加 9 個數字，第 2 碼為 1 或 2")
    if not _id_checksum_ok(value[0], value[1:]):
        raise ValueError("身分證字號檢查碼錯誤，請確認是否輸入正確")
    return value


def validate_resident_certificate(s: str) -> str:
    """Validate a 外來人口統一證號 in the old (``AC01234567``) or new (``A800000014``)
    format; return it normalized."""
    value = _normalize(s)
    if _RESIDENT_NEW.fullmatch(value):
        digits = value[1:]
    elif _RESIDENT_OLD.fullmatch(value):
        # Old format: the second letter counts as the last digit of its letter code
        # (A=10 -> 0, B=11 -> 1, C=12 -> 2, D=13 -> 3).
        digits = str(_LETTER_VALUES[value[1]] % 10) + value[2:]
    else:
        raise ValueError(
            "外來人口統一證號格式錯誤：應為 1 個英文字母加 8 或 9 再加 8 個數字（新式），"
            "或 2 個英文字母（第 2 碼為 A 至 D）加 8 個數字（舊式）"
        )
    if not _id_checksum_ok(value[0], digits):
        raise ValueError("外來人口統一證號檢查碼錯誤，請確認是否輸入正確")
    return value


def validate_business_number(s: str) -> str:
    """Validate a 統一編號 such as ``04595257``; return it normalized."""
    value = _normalize(s)
    if not _BUSINESS_NUMBER.fullmatch(value):
        raise ValueError("統一編號格式錯誤：應為 8 個數字")
    # Each product's digits are added (e.g. 2 x 9 = 18 -> 1 + 8 = 9). Products are at
    # most 36, so divmod by 10 gives both digits.
    total = sum(sum(divmod(w * int(c), 10)) for w, c in zip(_BUSINESS_WEIGHTS, value, strict=True))
    # 7th digit 7: 4 x 7 = 28 -> 2 + 8 = 10, which the rule lets count as 1 or 0. The
    # sum above counted 10 (same remainder mod 5 as 0), so also try one more.
    if not (total % 5 == 0 or (value[6] == "7" and (total + 1) % 5 == 0)):
        raise ValueError("統一編號檢查碼錯誤，請確認是否輸入正確")
    return value


def is_valid_national_id(s: str) -> bool:
    """True if ``s`` is a valid 身分證字號 (see `validate_national_id`)."""
    return _is_valid(validate_national_id, s)


def is_valid_resident_certificate(s: str) -> bool:
    """True if ``s`` is a valid 外來人口統一證號, old or new format."""
    return _is_valid(validate_resident_certificate, s)


def is_valid_business_number(s: str) -> bool:
    """True if ``s`` is a valid 統一編號."""
    return _is_valid(validate_business_number, s)


def _is_valid(validator: Callable[[str], str], s: str) -> bool:
    try:
        validator(s)
    except ValueError:
        return False
    return True

"""Checks shared by every form identity accepts: e-mail addresses, phone numbers and
lengths of free text. Each returns the zh-TW problem, or None when the value is fine."""

from __future__ import annotations

import re

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[0-9()+\-# ]{6,40}$")
EMAIL_MAX = 254

BAD_INPUT = "資料有誤，請修正後再送出"
BAD_EMAIL = "電子郵件格式不正確"
BAD_PHONE = "電話格式不正確"


def normalize_email(email: str) -> str:
    """Addresses are kept and compared in lower case."""
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    """A well-formed address of at most 254 characters (RFC 5321's limit)."""
    if len(email) > EMAIL_MAX or not EMAIL.match(email):
        return BAD_EMAIL
    return None


def required_text_problem(value: str, missing: str, limit: int) -> str | None:
    """`missing` when empty, the limit when too long."""
    if not value:
        return missing
    if len(value) > limit:
        return f"不可超過 {limit} 個字"
    return None


def contact_problems(email: str, phone: str) -> dict[str, str]:
    """Both required: where the court and the system reach an account."""
    problems: dict[str, str] = {}
    if not email:
        problems["email"] = "請輸入電子郵件"
    elif problem := email_problem(email):
        problems["email"] = problem
    if not phone:
        problems["phone"] = "請輸入電話"
    elif not PHONE.match(phone):
        problems["phone"] = BAD_PHONE
    return problems

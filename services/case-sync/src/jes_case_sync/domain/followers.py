"""Who may follow a case: a litigant's follow application, approved by the court."""

from __future__ import annotations

import re

from jes_case_sync.domain.cases import CaseKey, case_key_problems
from jes_domain import InvalidArgument

FOLLOWER_ROLES = ("當事人", "法定代理人", "訴訟代理人", "辯護人")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def follower_email(key: CaseKey, email: str, role: str) -> str:
    """The follower's e-mail as kept (trimmed, lower case; one follower per e-mail and
    case); raises InvalidArgument with every problem per field."""
    problems = case_key_problems(key)
    email = email.strip().lower()
    if not EMAIL.match(email):
        problems["email"] = "電子郵件格式不正確"
    if role not in FOLLOWER_ROLES:
        problems["role"] = "身分須為當事人、法定代理人、訴訟代理人或辯護人"
    if problems:
        raise InvalidArgument("追蹤申請資料有誤", fields=problems)
    return email

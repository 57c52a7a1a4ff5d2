"""Who may follow a case: a litigant's follow application, approved by the court."""

from __future__ import annotations

import re

from jes.case_sync.v1 import cases_pb2
from jes_case_sync.domain.cases import CaseKey, case_key_problems
from jes_domain import InvalidArgument
from jes_protos import enum_label

# 當事人 法定代理人 訴訟代理人 辯護人: the contract's FollowerRole labels (what is stored)
FOLLOWER_ROLES = tuple(
    enum_label(cases_pb2.FollowerRole, value.number)
    for value in cases_pb2.FollowerRole.DESCRIPTOR.values
    if value.number != cases_pb2.FOLLOWER_ROLE_UNSPECIFIED
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def role_label(value: int) -> str:
    return enum_label(cases_pb2.FollowerRole, value)


def role_value(label: str) -> int:
    for value in cases_pb2.FollowerRole.DESCRIPTOR.values:
        if enum_label(cases_pb2.FollowerRole, value.number) == label:
            return int(value.number)
    return int(cases_pb2.FOLLOWER_ROLE_UNSPECIFIED)


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

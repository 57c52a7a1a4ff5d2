"""Who may follow a case: a litigant's follow application, approved by the court (seed
002: one e-mail address per application)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from jes.case_sync.v1 import cases_pb2
from jes_case_sync.domain.cases import CaseKey, case_key_problems, require_covered
from jes_domain import InvalidArgument
from jes_protos import enum_label

# 當事人 法定代理人 訴訟代理人 辯護人: the contract's FollowerRole labels (what is stored)
FOLLOWER_ROLES = tuple(
    enum_label(cases_pb2.FollowerRole, value.number)
    for value in cases_pb2.FollowerRole.DESCRIPTOR.values
    if value.number != cases_pb2.FOLLOWER_ROLE_UNSPECIFIED
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL = 254
MAX_APPLICANT_NAME = 50
MAX_APPLICATION_ID = 64
MAX_REASON = 200
BAD_FOLLOW = "追蹤申請資料有誤"
FOLLOW_NOT_FOUND = "查無此追蹤"

ACTIVE = "active"
REVOKED = "revoked"


def role_label(value: int) -> str:
    return enum_label(cases_pb2.FollowerRole, value)


_ROLE_VALUES = {
    enum_label(cases_pb2.FollowerRole, value.number): cases_pb2.FollowerRole.Value(value.name)
    for value in cases_pb2.FollowerRole.DESCRIPTOR.values
}


def role_value(label: str) -> cases_pb2.FollowerRole.ValueType:
    return _ROLE_VALUES.get(label, cases_pb2.FOLLOWER_ROLE_UNSPECIFIED)


@dataclass(frozen=True)
class FollowApplication:
    key: CaseKey
    email: str  # as kept: trimmed, lower case
    role: str  # the role's label
    applicant_name: str
    application_id: str


def normal_email(email: str) -> str:
    return email.strip().lower()


def follower_email(key: CaseKey, email: str, role: str) -> str:
    """The follower's e-mail as kept (trimmed, lower case; one follower per e-mail and
    case); raises InvalidArgument with every problem per field."""
    return validate_application(key, email, role).email


def validate_application(
    key: CaseKey, email: str, role: str, applicant_name: str = "", application_id: str = ""
) -> FollowApplication:
    """An approved application as kept: InvalidArgument with every problem per field,
    then FailedPrecondition for a juvenile case."""
    problems = case_key_problems(key)
    email = normal_email(email)
    if not EMAIL.match(email) or len(email) > MAX_EMAIL:
        problems["email"] = "電子郵件格式不正確"
    if role not in FOLLOWER_ROLES:
        problems["role"] = "身分須為當事人、法定代理人、訴訟代理人或辯護人"
    if len(applicant_name.strip()) > MAX_APPLICANT_NAME:
        problems["applicant_name"] = f"聲請人姓名不可超過 {MAX_APPLICANT_NAME} 字"
    if len(application_id.strip()) > MAX_APPLICATION_ID:
        problems["application_id"] = f"聲請編號不可超過 {MAX_APPLICATION_ID} 個字元"
    if problems:
        raise InvalidArgument(BAD_FOLLOW, fields=problems)
    require_covered(key)
    return FollowApplication(key, email, role, applicant_name.strip(), application_id.strip())


def revocation_problems(key: CaseKey, email: str, reason: str) -> dict[str, str]:
    problems = case_key_problems(key)
    if not EMAIL.match(normal_email(email)):
        problems["email"] = "電子郵件格式不正確"
    if len(reason.strip()) > MAX_REASON:
        problems["reason"] = f"撤銷原因不可超過 {MAX_REASON} 字"
    return problems

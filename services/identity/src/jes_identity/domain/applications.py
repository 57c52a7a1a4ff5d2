"""A firm's application for an account: what it must contain, its statuses and how a
court's decision moves it.

    pending --approve--> activated   (the firm's account is created)
    pending --refuse---> refused     (with a reason)

Decisions arrive from review-workflow, which may retry: the same decision again is
accepted and changes nothing; the other decision on a decided application is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from jes_domain import FailedPrecondition, InvalidArgument
from jes_identity.domain.validation import (
    BAD_EMAIL,
    BAD_INPUT,
    BAD_PHONE,
    EMAIL,
    PHONE,
    normalize_email,
    required_text_problem,
)
from jes_zhtw import UnknownCourt, photo_system_court

BAD_APPLICATION = "申請資料有誤，請修正後再送出"
COMPANY_NAME_MAX = 100
CONTACT_PERSON_MAX = 50
REASON_MAX = 1000
DECIDED_BY_MAX = 36  # an account's login name or its id (a UUID)


class ApplicationStatus(StrEnum):
    """As stored (firm_applications.status)."""

    PENDING = "pending"
    ACTIVATED = "activated"
    REFUSED = "refused"


class Decision(StrEnum):
    APPROVE = "approve"
    REFUSE = "refuse"

    @classmethod
    def of(cls, approve: bool) -> Decision:
        return cls.APPROVE if approve else cls.REFUSE


# status x decision -> next status; a pair missing here is refused (see `decide`).
TRANSITIONS: dict[tuple[ApplicationStatus, Decision], ApplicationStatus] = {
    (ApplicationStatus.PENDING, Decision.APPROVE): ApplicationStatus.ACTIVATED,
    (ApplicationStatus.PENDING, Decision.REFUSE): ApplicationStatus.REFUSED,
    # the same decision again: a retry, already done
    (ApplicationStatus.ACTIVATED, Decision.APPROVE): ApplicationStatus.ACTIVATED,
    (ApplicationStatus.REFUSED, Decision.REFUSE): ApplicationStatus.REFUSED,
}

DONE_LABELS = {ApplicationStatus.ACTIVATED: "啟用", ApplicationStatus.REFUSED: "駁回"}


@dataclass(frozen=True)
class Transition:
    before: ApplicationStatus
    after: ApplicationStatus

    @property
    def is_retry(self) -> bool:
        """The decision was already made: nothing more happens (no audit, no event)."""
        return self.before == self.after


def decide(status: ApplicationStatus, decision: Decision) -> Transition:
    """Where `decision` takes an application in `status`, or FailedPrecondition."""
    after = TRANSITIONS.get((status, decision))
    if after is None:
        raise FailedPrecondition(f"此申請已{DONE_LABELS.get(status, status)}，不能再變更")
    return Transition(status, after)


@dataclass(frozen=True)
class FirmApplicationForm:
    """A valid application, as it is stored (trimmed; e-mail in lower case)."""

    court_code: str
    company_name: str
    contact_person: str
    email: str
    phone: str


def validate_application(
    court_code: str, company_name: str, contact_person: str, email: str, phone: str
) -> FirmApplicationForm:
    """The application, or InvalidArgument naming every wrong field."""
    problems: dict[str, str] = {}
    try:
        photo_system_court(court_code)
    except UnknownCourt:
        problems["court_code"] = "請選擇所屬法院"
    company_name = company_name.strip()
    contact_person = contact_person.strip()
    texts = {
        "company_name": (company_name, "請輸入公司名稱", COMPANY_NAME_MAX),
        "contact_person": (contact_person, "請輸入聯絡人", CONTACT_PERSON_MAX),
    }
    for name, (value, missing, limit) in texts.items():
        if problem := required_text_problem(value, missing, limit):
            problems[name] = problem
    if not EMAIL.match(email.strip()):
        problems["email"] = BAD_EMAIL
    if not PHONE.match(phone.strip()):
        problems["phone"] = BAD_PHONE
    if problems:
        raise InvalidArgument(BAD_APPLICATION, fields=problems)
    return FirmApplicationForm(
        court_code=court_code,
        company_name=company_name,
        contact_person=contact_person,
        email=normalize_email(email),
        phone=phone.strip(),
    )


@dataclass(frozen=True)
class DecisionForm:
    application_id: str
    decision: Decision
    reason: str  # why refused; empty when approved
    decided_by: str  # the clerk's login name or account id, as review-workflow sends it


def validate_decision(
    application_id: str, approve: bool, reason: str, decided_by: str
) -> DecisionForm:
    """A refusal needs a reason; every decision names who made it."""
    reason = reason.strip()
    decided_by = decided_by.strip()
    problems: dict[str, str] = {}
    if not approve and not reason:
        problems["reason"] = "請填寫駁回理由"
    elif len(reason) > REASON_MAX:
        problems["reason"] = f"駁回理由不可超過 {REASON_MAX} 個字"
    if not 0 < len(decided_by) <= DECIDED_BY_MAX:
        problems["decided_by"] = "缺少決定者帳號"
    if problems:
        raise InvalidArgument(BAD_INPUT, fields=problems)
    return DecisionForm(application_id, Decision.of(approve), reason, decided_by)

"""A professional's application for an account (seed 001: 律師、會計師、專利師、專利代理人、
事務所管理人): what it must contain, its statuses and how an administrator's decision and
the applicant's activation move it.

    submitted --approve--> approved   (the account exists; the activation link is mailed)
    submitted --refuse---> refused    (with a reason; the applicant may apply again)
    approved --activate--> activated  (the applicant set a password through the link)

The same decision again is accepted and changes nothing (a double click, a retried
request); the other decision on a decided application is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from jes_domain import FailedPrecondition, InvalidArgument
from jes_identity.domain.accounts import account_id_problem
from jes_identity.domain.validation import (
    BAD_INPUT,
    BAD_PHONE,
    PHONE,
    email_problem,
    normalize_email,
    required_text_problem,
)
from jes_zhtw import parse_roc_date, validate_national_id, validate_resident_certificate

BAD_APPLICATION = "聲請資料有誤，請修正後再送出"
NAME_MAX = 50
LICENCE_MAX = 40
ASSOCIATION_MAX = 100
OFFICE_MAX = 100
ADDRESS_MAX = 200
REASON_MAX = 1000
OLDEST_BIRTH_YEAR = 1900
YOUNGEST_AGE = 18  # every one of these professions is practised by adults only


class ProfessionKind(StrEnum):
    """As stored (professional_applications.kind); the zh-TW labels are the contract's
    (jes.identity.v1.ProfessionKind)."""

    LAWYER = "lawyer"
    ACCOUNTANT = "accountant"
    PATENT_ATTORNEY = "patent_attorney"
    PATENT_AGENT = "patent_agent"
    FIRM_MANAGER = "firm_manager"


# What each kind must give besides the common fields: a lawyer's licence and bar
# association (律師公會: a lawyer practises only as a member); the other professions'
# certificate numbers; a firm manager's office (they hold no licence of their own).
NEEDS_LICENCE = frozenset(
    {
        ProfessionKind.LAWYER,
        ProfessionKind.ACCOUNTANT,
        ProfessionKind.PATENT_ATTORNEY,
        ProfessionKind.PATENT_AGENT,
    }
)
NEEDS_ASSOCIATION = frozenset({ProfessionKind.LAWYER})
NEEDS_OFFICE = frozenset({ProfessionKind.FIRM_MANAGER})


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


class ProfessionalStatus(StrEnum):
    """As stored (professional_applications.status)."""

    SUBMITTED = "submitted"
    APPROVED = "approved"
    REFUSED = "refused"
    ACTIVATED = "activated"


class Step(StrEnum):
    APPROVE = "approve"
    REFUSE = "refuse"
    ACTIVATE = "activate"

    @classmethod
    def decision(cls, approve: bool) -> Step:
        return cls.APPROVE if approve else cls.REFUSE


# status x step -> next status; a pair missing here is refused (see `advance`).
TRANSITIONS: dict[tuple[ProfessionalStatus, Step], ProfessionalStatus] = {
    (ProfessionalStatus.SUBMITTED, Step.APPROVE): ProfessionalStatus.APPROVED,
    (ProfessionalStatus.SUBMITTED, Step.REFUSE): ProfessionalStatus.REFUSED,
    (ProfessionalStatus.APPROVED, Step.ACTIVATE): ProfessionalStatus.ACTIVATED,
    # the same decision again: a retry, already done
    (ProfessionalStatus.APPROVED, Step.APPROVE): ProfessionalStatus.APPROVED,
    (ProfessionalStatus.ACTIVATED, Step.APPROVE): ProfessionalStatus.ACTIVATED,
    (ProfessionalStatus.REFUSED, Step.REFUSE): ProfessionalStatus.REFUSED,
}

# An application in these holds its national ID, licence and account id: no second one
# may name them. A refused one lets them go (the applicant may apply again).
LIVE_STATUSES = frozenset(
    {ProfessionalStatus.SUBMITTED, ProfessionalStatus.APPROVED, ProfessionalStatus.ACTIVATED}
)

DONE_LABELS = {
    ProfessionalStatus.APPROVED: "核准",
    ProfessionalStatus.ACTIVATED: "核准並啟用",
    ProfessionalStatus.REFUSED: "駁回",
}


@dataclass(frozen=True)
class Transition:
    before: ProfessionalStatus
    after: ProfessionalStatus

    @property
    def is_retry(self) -> bool:
        """Nothing more happens (no audit entry, no event, no second mail)."""
        return self.before == self.after


def advance(status: ProfessionalStatus, step: Step) -> Transition:
    """Where `step` takes an application in `status`, or FailedPrecondition."""
    after = TRANSITIONS.get((status, step))
    if after is None:
        raise FailedPrecondition(f"此聲請已{DONE_LABELS.get(status, '送出')}，不能再變更")
    return Transition(status, after)


def is_live(status: ProfessionalStatus) -> bool:
    return status in LIVE_STATUSES


@dataclass(frozen=True)
class ProfessionalForm:
    """A valid application, as stored (trimmed; IDs upper case; e-mail lower case)."""

    kind: ProfessionKind
    account_id: str
    name: str
    gender: Gender
    national_id: str
    is_resident_certificate: bool
    birth_date: date
    licence_number: str
    association: str
    office_name: str
    address: str
    phone: str
    mobile: str
    email: str
    fax: str

    @property
    def licence_key(self) -> str:
        """What makes a licence one: its kind and number ("" = none given)."""
        return f"{self.kind.value}:{self.licence_number}" if self.licence_number else ""


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def read_birth_date(text: str, today: date) -> date:
    """An ROC date as people type it, or ISO 8601 (programs); ValueError in zh-TW."""
    text = text.strip()
    if not text:
        raise ValueError("請輸入出生年月日")
    if ISO_DATE.fullmatch(text):
        try:
            born = date.fromisoformat(text)
        except ValueError:
            raise ValueError("出生年月日不存在") from None
    else:
        born = parse_roc_date(text)
    adult_since = date(today.year - YOUNGEST_AGE, today.month, min(today.day, 28))
    if born.year < OLDEST_BIRTH_YEAR or born > adult_since:
        raise ValueError("出生年月日不合理，請確認是否輸入正確")
    return born


def read_id_number(text: str, is_resident_certificate: bool) -> str:
    """The national ID, or the resident certificate number when the applicant says so."""
    if not text.strip():
        raise ValueError(
            "請輸入外來人口統一證號" if is_resident_certificate else "請輸入身分證字號"
        )
    if is_resident_certificate:
        return validate_resident_certificate(text)
    return validate_national_id(text)


def validate_professional_form(
    *,
    kind: str,
    account_id: str,
    name: str,
    gender: str,
    national_id: str,
    is_resident_certificate: bool,
    birth_date: str,
    licence_number: str,
    association: str,
    office_name: str,
    address: str,
    phone: str,
    mobile: str,
    email: str,
    fax: str,
    today: date,
) -> ProfessionalForm:
    """The application, or InvalidArgument naming every wrong field (zh-TW)."""
    problems: dict[str, str] = {}
    known_kind = next((k for k in ProfessionKind if k.value == kind), None)
    if known_kind is None:
        problems["kind"] = "請選擇聲請人身分別"
    known_gender = next((g for g in Gender if g.value == gender), None)
    if known_gender is None:
        problems["gender"] = "請選擇性別"
    account_id = account_id.strip().upper()
    if problem := account_id_problem(account_id):
        problems["account_id"] = problem
    try:
        id_number = read_id_number(national_id, is_resident_certificate)
    except ValueError as wrong:
        problems["national_id"] = str(wrong)
        id_number = ""
    try:
        born = read_birth_date(birth_date, today)
    except ValueError as wrong:
        problems["birth_date"] = str(wrong)
        born = today
    texts = {
        "name": (name.strip(), "請輸入聲請人姓名", NAME_MAX, True),
        "licence_number": (
            licence_number.strip().upper(),
            "請輸入證書字號",
            LICENCE_MAX,
            known_kind in NEEDS_LICENCE,
        ),
        "association": (
            association.strip(),
            "請輸入所屬律師公會",
            ASSOCIATION_MAX,
            known_kind in NEEDS_ASSOCIATION,
        ),
        "office_name": (
            office_name.strip(),
            "請輸入事務所名稱",
            OFFICE_MAX,
            known_kind in NEEDS_OFFICE,
        ),
        "address": (address.strip(), "請輸入通訊地址", ADDRESS_MAX, True),
    }
    for field, (value, missing, limit, required) in texts.items():
        if required:
            problem = required_text_problem(value, missing, limit)
        else:
            problem = required_text_problem(value, missing, limit) if value else None
        if problem:
            problems[field] = problem
    phones = {
        "phone": (phone.strip(), True),
        "mobile": (mobile.strip(), False),
        "fax": (fax.strip(), False),
    }
    for field, (value, required) in phones.items():
        if not value:
            if required:
                problems[field] = "請輸入聯絡電話"
        elif not PHONE.match(value):
            problems[field] = BAD_PHONE
    email = normalize_email(email)
    if not email:
        problems["email"] = "請輸入電子郵件"
    elif problem := email_problem(email):
        problems["email"] = problem
    if problems or known_kind is None or known_gender is None:
        raise InvalidArgument(BAD_APPLICATION, fields=problems)
    return ProfessionalForm(
        kind=known_kind,
        account_id=account_id,
        name=name.strip(),
        gender=known_gender,
        national_id=id_number,
        is_resident_certificate=is_resident_certificate,
        birth_date=born,
        licence_number=licence_number.strip().upper(),
        association=association.strip(),
        office_name=office_name.strip(),
        address=address.strip(),
        phone=phone.strip(),
        mobile=mobile.strip(),
        email=email,
        fax=fax.strip(),
    )


@dataclass(frozen=True)
class ProfessionalDecision:
    application_id: str
    step: Step
    reason: str  # why refused; empty when approved


def validate_professional_decision(
    application_id: str, approve: bool, reason: str
) -> ProfessionalDecision:
    """A refusal needs a reason, which the applicant is mailed."""
    reason = reason.strip()
    problems: dict[str, str] = {}
    if not application_id.strip():
        problems["application_id"] = "請指定聲請案"
    if not approve and not reason:
        problems["reason"] = "請填寫駁回理由"
    elif len(reason) > REASON_MAX:
        problems["reason"] = f"駁回理由不可超過 {REASON_MAX} 個字"
    if problems:
        raise InvalidArgument(BAD_INPUT, fields=problems)
    return ProfessionalDecision(
        application_id.strip(), Step.decision(approve), reason if not approve else ""
    )


# Said alike whether the number is unknown or the national ID does not match, so the
# answer tells nothing about which applications exist.
APPLICATION_NOT_FOUND = "查無此聲請案，請確認聲請編號及身分證字號"
DUPLICATE_NATIONAL_ID = "此身分證字號已有聲請案或帳號（一人限申請一個帳號）"
DUPLICATE_LICENCE = "此證書字號已有聲請案"

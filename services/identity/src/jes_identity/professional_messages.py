"""Professional applications as contract messages (replies and event payloads), and what
the audit log keeps of them."""

from __future__ import annotations

from typing import Any

from jes.identity.v1 import identity_pb2 as pb
from jes_identity.domain.professionals import (
    Gender,
    ProfessionalStatus,
    ProfessionKind,
)
from jes_identity.models import ProfessionalApplication

KIND_CODES: dict[ProfessionKind, pb.ProfessionKind.ValueType] = {
    ProfessionKind.LAWYER: pb.PROFESSION_KIND_LAWYER,
    ProfessionKind.ACCOUNTANT: pb.PROFESSION_KIND_ACCOUNTANT,
    ProfessionKind.PATENT_ATTORNEY: pb.PROFESSION_KIND_PATENT_ATTORNEY,
    ProfessionKind.PATENT_AGENT: pb.PROFESSION_KIND_PATENT_AGENT,
    ProfessionKind.FIRM_MANAGER: pb.PROFESSION_KIND_FIRM_MANAGER,
}
KINDS_BY_CODE = {code: kind for kind, code in KIND_CODES.items()}

GENDER_CODES: dict[Gender, pb.Gender.ValueType] = {
    Gender.MALE: pb.GENDER_MALE,
    Gender.FEMALE: pb.GENDER_FEMALE,
}
GENDERS_BY_CODE = {code: gender for gender, code in GENDER_CODES.items()}

STATUS_CODES: dict[ProfessionalStatus, pb.ProfessionalApplicationStatus.ValueType] = {
    ProfessionalStatus.SUBMITTED: pb.PROFESSIONAL_APPLICATION_STATUS_SUBMITTED,
    ProfessionalStatus.APPROVED: pb.PROFESSIONAL_APPLICATION_STATUS_APPROVED,
    ProfessionalStatus.REFUSED: pb.PROFESSIONAL_APPLICATION_STATUS_REFUSED,
    ProfessionalStatus.ACTIVATED: pb.PROFESSIONAL_APPLICATION_STATUS_ACTIVATED,
}
STATUSES_BY_CODE = {code: status for status, code in STATUS_CODES.items()}


def kind_name(code: int) -> str:
    """The stored name of a contract's kind ("" for unspecified or unknown)."""
    kind = KINDS_BY_CODE.get(code)  # type: ignore[call-overload]
    return kind.value if kind else ""


def gender_name(code: int) -> str:
    gender = GENDERS_BY_CODE.get(code)  # type: ignore[call-overload]
    return gender.value if gender else ""


def professional_message(app: ProfessionalApplication) -> pb.ProfessionalApplication:
    status = ProfessionalStatus(app.status)
    message = pb.ProfessionalApplication(
        id=app.id,
        form=pb.ProfessionalApplicationForm(
            kind=KIND_CODES[ProfessionKind(app.kind)],
            account_id=app.account_id,
            name=app.name,
            gender=GENDER_CODES[Gender(app.gender)],
            national_id=app.national_id,
            is_resident_certificate=app.is_resident_certificate,
            birth_date=app.birth_date.isoformat(),
            licence_number=app.licence_number,
            association=app.association,
            office_name=app.office_name,
            address=app.address,
            phone=app.phone,
            mobile=app.mobile,
            email=app.email,
            fax=app.fax,
        ),
        status=STATUS_CODES[status],
        refusal_reason=app.reason if status == ProfessionalStatus.REFUSED else "",
        decided_by=app.decided_by,
    )
    message.created_at.FromDatetime(app.created_at)
    if app.decided_at:
        message.decided_at.FromDatetime(app.decided_at)
    if app.activated_at:
        message.activated_at.FromDatetime(app.activated_at)
    return message


def professional_notice(app: ProfessionalApplication) -> pb.ProfessionalApplicationNotice:
    """What an event carries: enough to write to the applicant, no ID number, birth date
    or address."""
    notice = pb.ProfessionalApplicationNotice(
        id=app.id,
        kind=KIND_CODES[ProfessionKind(app.kind)],
        name=app.name,
        email=app.email,
        account_id=app.account_id,
        refusal_reason=app.reason if app.status == ProfessionalStatus.REFUSED else "",
    )
    notice.created_at.FromDatetime(app.created_at)
    return notice


def professional_record(app: ProfessionalApplication) -> dict[str, Any]:
    """What the audit log keeps of a decision: who and what, never the ID number."""
    return {
        "status": app.status,
        "kind": app.kind,
        "account_id": app.account_id,
        "name": app.name,
        "licence_number": app.licence_number,
        "reason": app.reason,
        "decided_by": app.decided_by,
    }

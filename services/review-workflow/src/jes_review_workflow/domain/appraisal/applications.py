"""Applications to be listed as an appraiser (points 2 to 4): where the office may be,
the office rules among applicants (at most two offices at one address, a phone line of
each office's own, one person not working for two applicants in the same business), the
firm's years of experience, the bar after a disqualification, and which documents are
still missing (an incomplete application is not considered: point 4 III)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum

from jes_domain import FailedPrecondition, InvalidArgument
from jes_review_workflow.domain.appraisal.application_rules import ApplicantType
from jes_review_workflow.domain.appraisal.court_rules import CourtRules
from jes_zhtw.ids import is_valid_national_id, is_valid_resident_certificate
from jes_zhtw.roc import format_roc_date

MAX_TEXT = 200
MAX_STAFF = 50


class ApplicationState(Enum):
    DRAFT = "draft"  # documents being uploaded; nobody else sees it
    NOT_CONSIDERED = "not_considered"  # handed in without every document (point 4 III)
    SUBMITTED = "submitted"  # complete: the records chief drafts an opinion
    OPINION_DRAFTED = "opinion_drafted"  # the chief judge may put it to the committee
    VOTING = "voting"
    QUALIFIED = "qualified"  # on the roster
    REFUSED = "refused"
    DISQUALIFIED = "disqualified"  # qualified, then disqualified by the committee


# Applications whose offices and staff count against other applicants.
LIVE = frozenset(
    {
        ApplicationState.SUBMITTED,
        ApplicationState.OPINION_DRAFTED,
        ApplicationState.VOTING,
        ApplicationState.QUALIFIED,
    }
)


@dataclass(frozen=True)
class Office:
    address: str
    phone: str


@dataclass(frozen=True)
class StaffMember:
    name: str
    id_number: str


@dataclass(frozen=True)
class OtherApplicant:
    """What another live application of the same court declares."""

    application_id: str
    category: str
    office: Office
    staff: tuple[StaffMember, ...]


def normal_address(address: str) -> str:
    """One spelling per address: full-width digits and letters folded, 台 as 臺, no
    spaces, so 「基隆市仁愛區愛一路１號」 and 「基隆市 仁愛區愛一路1號」 are the same."""
    folded = unicodedata.normalize("NFKC", address).replace("台", "臺")
    return re.sub(r"\s+", "", folded)


def normal_phone(phone: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", phone))


def _required(value: str, field: str, problem: str) -> str:
    value = value.strip()
    if not value or len(value) > MAX_TEXT:
        raise InvalidArgument(problem, fields={field: problem})
    return value


def office_of(rules: CourtRules, address: str, phone: str) -> Office:
    """An office in the court's area or one of its neighbouring cities (point 2)."""
    address = normal_address(_required(address, "office_address", "請填寫事務所地址"))
    places = tuple(normal_address(p) for p in (*rules.area, *rules.neighbouring_cities))
    if not address.startswith(places):
        where = "、".join(rules.neighbouring_cities)
        problem = f"事務所須設於本院轄區內或{where}"
        raise InvalidArgument(problem, fields={"office_address": problem})
    digits = normal_phone(phone)
    if not 8 <= len(digits) <= 12:
        problem = "請填寫事務所的電話號碼（含區碼）"
        raise InvalidArgument(problem, fields={"office_phone": problem})
    return Office(address, digits)


def staff_of(people: Iterable[tuple[str, str]]) -> tuple[StaffMember, ...]:
    staff: list[StaffMember] = []
    for n, (name, id_number) in enumerate(people):
        name = _required(name, f"staff[{n}].name", "請填寫人員姓名")
        id_number = unicodedata.normalize("NFKC", id_number).strip().upper()
        if not (is_valid_national_id(id_number) or is_valid_resident_certificate(id_number)):
            problem = "身分證統一編號或居留證號碼不正確"
            raise InvalidArgument(problem, fields={f"staff[{n}].id_number": problem})
        if any(s.id_number == id_number for s in staff):
            problem = "同一人員重複列出"
            raise InvalidArgument(problem, fields={f"staff[{n}].id_number": problem})
        staff.append(StaffMember(name, id_number))
    if not staff:
        problem = "請列出從事鑑定估價業務的人員（至少一人）"
        raise InvalidArgument(problem, fields={"staff": problem})
    if len(staff) > MAX_STAFF:
        problem = f"人員至多 {MAX_STAFF} 人"
        raise InvalidArgument(problem, fields={"staff": problem})
    return tuple(staff)


def check_experience(kind: ApplicantType, business_since: date | None, today: date) -> None:
    """A firm has at least the rules' years of appraisal experience (point 2 I)."""
    years = kind.min_experience_years
    if years <= 0:
        return
    problem = f"{kind.label}須有{years}年以上鑑定估價經驗（請填寫登記日期）"
    if business_since is None:
        raise InvalidArgument(problem, fields={"business_since": problem})
    try:
        anniversary = business_since.replace(year=business_since.year + years)
    except ValueError:  # 29 February
        anniversary = date(business_since.year + years, 3, 1)
    if anniversary > today:
        raise InvalidArgument(problem, fields={"business_since": problem})


def check_offices_and_staff(
    max_offices_per_address: int,
    category: str,
    office: Office,
    staff: tuple[StaffMember, ...],
    others: Iterable[OtherApplicant],
) -> None:
    """Point 2 II and V against the court's other live applications: not a third office
    at one address, a phone line of the office's own, no person working for two
    applicants in the same business."""
    others = list(others)
    at_address = {o.application_id for o in others if o.office.address == office.address}
    if len(at_address) >= max_offices_per_address:
        problem = (
            f"同一地址已有{len(at_address)}家事務所申請，同址不得有"
            f"{max_offices_per_address + 1}家（含）以上事務所"
        )
        raise FailedPrecondition(problem, fields={"office_address": problem})
    if any(o.office.phone == office.phone for o in others):
        problem = "此電話已列為其他事務所的電話，每一事務所須有一線自己名下的電話"
        raise FailedPrecondition(problem, fields={"office_phone": problem})
    taken = {s.id_number for o in others if o.category == category for s in o.staff}
    for n, person in enumerate(staff):
        if person.id_number in taken:
            problem = f"{person.name}已為其他申請人從事本院同類鑑定估價業務，不得同時為二申請人工作"
            raise FailedPrecondition(problem, fields={f"staff[{n}].id_number": problem})


def missing_documents(kind: ApplicantType, uploaded: Mapping[str, int]) -> list[str]:
    """Each required document not (fully) uploaded, in zh-TW, in the rules' order."""
    missing = []
    for document in kind.documents:
        count = uploaded.get(document.code, 0)
        if count == 0:
            missing.append(f"未附：{document.label}")
        elif count < document.min_files:
            missing.append(f"不足：{document.label}（須 {document.min_files} 件，僅附 {count} 件）")
    return missing


def check_not_barred(barred_until: date | None, today: date) -> None:
    """A disqualified appraiser may not apply again until the bar ends (point 12 II)."""
    if barred_until is not None and barred_until >= today:
        problem = f"經議決為不適任者，{format_roc_date(barred_until)}以前不得向本院申請列為鑑定人"
        raise FailedPrecondition(problem, fields={"court_code": problem})

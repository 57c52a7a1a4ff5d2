"""A case as court systems name it: its court, category and case number, and whether
the service covers it (seed 002)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from jes.case_sync.v1 import cases_pb2
from jes_domain import FailedPrecondition, InvalidArgument
from jes_protos import enum_label
from jes_zhtw import COURT_CODES, CaseNumber

# The categories case-sync covers, by their labels in the contract (what is stored).
CATEGORIES = tuple(
    enum_label(cases_pb2.CaseCategory, value)
    for value in (
        cases_pb2.CASE_CATEGORY_CIVIL,
        cases_pb2.CASE_CATEGORY_FAMILY,
        cases_pb2.CASE_CATEGORY_CRIMINAL,
        cases_pb2.CASE_CATEGORY_ADMINISTRATIVE,
    )
)
JUVENILE = enum_label(cases_pb2.CaseCategory, cases_pb2.CASE_CATEGORY_JUVENILE)
# Juvenile proceedings' case words all begin with 少 (少調, 少護, 少連上, 少刑 ...).
JUVENILE_WORD_PREFIX = "少"
JUVENILE_NOT_COVERED = "少年事件不在案件進度查詢服務的範圍"

CASE_NOT_FOUND = "查無此案件"
BAD_CASE = "案件資料有誤"


@dataclass(frozen=True)
class CaseKey:
    court_code: str
    category: str  # the category's label: 民事 家事 刑事 行政 (少年: refused)
    year: int
    word: str
    number: int

    def fields(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def case_number(self) -> CaseNumber:
        """The number by the one rule (jes_zhtw): dotted() 100.訴.992032, formal()
        100年度訴字第992032號. ValueError for a key that was never validated."""
        return CaseNumber(self.year, self.word, self.number)


_CATEGORY_LABELS = {
    value.number: enum_label(cases_pb2.CaseCategory, value.number)
    for value in cases_pb2.CaseCategory.DESCRIPTOR.values
}
_CATEGORY_VALUES = {
    enum_label(cases_pb2.CaseCategory, value.number): cases_pb2.CaseCategory.Value(value.name)
    for value in cases_pb2.CaseCategory.DESCRIPTOR.values
}


def category_label(value: int) -> str:
    """The stored form of a contract's CaseCategory ("" for an unknown number)."""
    return _CATEGORY_LABELS.get(value, "")


def category_value(label: str) -> cases_pb2.CaseCategory.ValueType:
    """The contract's CaseCategory of a stored label."""
    return _CATEGORY_VALUES.get(label, cases_pb2.CASE_CATEGORY_UNSPECIFIED)


def case_key_problems(key: CaseKey) -> dict[str, str]:
    """What is wrong with a case key, per field (the one case-number rule of jes_zhtw).
    A juvenile case is well formed (require_covered refuses it)."""
    problems = {}
    # Exact codes only: "tpd" would be stored as a second case that TPD's followers miss.
    if key.court_code not in COURT_CODES:
        problems["case.court_code"] = "法院代碼不正確"
    if key.category not in (*CATEGORIES, JUVENILE):
        problems["case.category"] = "案件類別須為民事、家事、刑事或行政"
    try:
        CaseNumber(key.year, key.word, key.number)
    except ValueError as exc:
        problems["case.number"] = str(exc)
    return problems


def require_covered(key: CaseKey) -> None:
    """Seed 002 covers trial courts' summary, first and second instance civil, family,
    criminal and administrative cases, not juvenile ones: FailedPrecondition for a
    juvenile case (by its category or its case word), naming the field."""
    if key.category == JUVENILE:
        raise FailedPrecondition(
            JUVENILE_NOT_COVERED, fields={"case.category": "少年案件不提供查詢"}
        )
    if key.word.startswith(JUVENILE_WORD_PREFIX):
        raise FailedPrecondition(
            JUVENILE_NOT_COVERED,
            fields={"case.word": f"字別「{key.word}」為少年事件，不提供查詢"},
        )


def validate_case(key: CaseKey, message: str = BAD_CASE) -> None:
    """A case a court system or a clerk names: InvalidArgument with every problem per
    field (under `message`), then FailedPrecondition when it is not covered."""
    problems = case_key_problems(key)
    if problems:
        raise InvalidArgument(message, fields=problems)
    require_covered(key)


DEFAULT_LISTED_ENTRIES = 3  # the old system's "最近三筆進行事項"


def listed_entries(limit: int) -> int:
    """How many entries a listing shows (0 = the latest three)."""
    return limit or DEFAULT_LISTED_ENTRIES

"""A case as court systems name it, and a progress entry they push about it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from jes.case_sync.v1 import cases_pb2
from jes_domain import InvalidArgument
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

CASE_NOT_FOUND = "查無此案件"
DEFAULT_LISTED_ENTRIES = 3


@dataclass(frozen=True)
class CaseKey:
    court_code: str
    category: str  # the category's label: 民事 家事 刑事 行政
    year: int
    word: str
    number: int

    def fields(self) -> dict[str, Any]:
        return asdict(self)


def category_label(value: int) -> str:
    """The stored form of a contract's CaseCategory ("" for an unknown number)."""
    return enum_label(cases_pb2.CaseCategory, value)


def category_value(label: str) -> int:
    """The contract's CaseCategory of a stored label."""
    for value in cases_pb2.CaseCategory.DESCRIPTOR.values:
        if enum_label(cases_pb2.CaseCategory, value.number) == label:
            return int(value.number)
    return int(cases_pb2.CASE_CATEGORY_UNSPECIFIED)


@dataclass(frozen=True)
class ProgressInput:
    """A progress entry as pushed (texts as sent; the event carries them so)."""

    source_entry_id: str
    posted_on: str  # 登載日期, ISO date
    item: str  # 登載事項


def case_key_problems(key: CaseKey) -> dict[str, str]:
    """What is wrong with a case key, per field (the one case-number rule of jes_zhtw)."""
    problems = {}
    # Exact codes only: "tpd" would be stored as a second case that TPD's followers miss.
    if key.court_code not in COURT_CODES:
        problems["case.court_code"] = "法院代碼不正確"
    if key.category not in CATEGORIES:
        problems["case.category"] = "案件類別須為民事、家事、刑事或行政"
    try:
        CaseNumber(key.year, key.word, key.number)
    except ValueError as exc:
        problems["case.number"] = str(exc)
    return problems


def posted_on_date(text: str) -> date | None:
    """The posting date, only in the ISO form YYYY-MM-DD."""
    try:
        posted_on = date.fromisoformat(text)
    except ValueError:
        return None
    # fromisoformat also takes 20241120 and 2024-W47-3; the event carries the text
    return posted_on if posted_on.isoformat() == text else None


def validate_progress(key: CaseKey, entry: ProgressInput) -> date:
    """The entry's posting date; raises InvalidArgument with every problem per field."""
    problems = case_key_problems(key)
    posted_on = posted_on_date(entry.posted_on)
    if posted_on is None:
        problems["entry.posted_on"] = "登載日期須為 YYYY-MM-DD"
    if not entry.item.strip():
        problems["entry.item"] = "登載事項不可空白"
    if not entry.source_entry_id.strip():
        problems["entry.source_entry_id"] = "缺少來源編號"
    if problems or posted_on is None:
        raise InvalidArgument("進度資料有誤", fields=problems)
    return posted_on


def listed_entries(limit: int) -> int:
    """How many entries a listing shows (0 = the latest three)."""
    return limit or DEFAULT_LISTED_ENTRIES

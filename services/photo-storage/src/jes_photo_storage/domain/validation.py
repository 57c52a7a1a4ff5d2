"""What a request may hold: case numbers, a set's key, a photo's texts and sequence, a
property type and the court's decision. Each check answers every bad field at once, as
zh-TW problems keyed by the request's field name."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from jes_domain import FailedPrecondition, InvalidArgument
from jes_zhtw import (
    UnknownCourt,
    batch_problem,
    case_word_problem,
    photo_system_court,
    to_roc_year,
    to_taipei,
)

MAX_DIVISION = 20
MAX_CASE_NUMBER = 9_999_999
MAX_AUCTION_TARGET = 100
MAX_DESCRIPTION = 300
MAX_REMARK = 300


def current_roc_year(now: datetime | None = None) -> int:
    return to_roc_year(to_taipei(now or datetime.now(UTC)).year)


def normalized_word(word: str) -> str:
    """Full-width letters and spaces as people type them are folded first (NFKC)."""
    return unicodedata.normalize("NFKC", word).strip()


def case_number_problems(year: int, word: str, number: int) -> dict[str, str]:
    """Per-field problems of a case number; the word is checked normalized, by the one
    rule of jes_zhtw (1 to 6 Han characters, not a piece of a formal number)."""
    problems = {}
    newest = current_roc_year() + 1
    if not 1 <= year <= newest:
        problems["case_number.year"] = f"年度須為 1 至 {newest} 的民國年"
    word = normalized_word(word)
    if not word:
        problems["case_number.word"] = "請輸入字別"
    elif (problem := case_word_problem(word)) is not None:
        problems["case_number.word"] = problem
    if not 1 <= number <= MAX_CASE_NUMBER:
        problems["case_number.number"] = f"號數須為 1 至 {MAX_CASE_NUMBER}"
    return problems


def court_problem(court_code: str) -> str | None:
    try:
        photo_system_court(court_code)
    except UnknownCourt:
        return "請選擇法院" if not court_code else "找不到此法院"
    return None


@dataclass(frozen=True)
class SetKey:
    """What names a photo set: court, division, case number and batch."""

    court_code: str
    division: str
    case_year: int
    case_word: str
    case_number: int
    batch: int

    def as_columns(self) -> dict[str, str | int]:
        return {
            "court_code": self.court_code,
            "division": self.division,
            "case_year": self.case_year,
            "case_word": self.case_word,
            "case_number": self.case_number,
            "batch": self.batch,
        }


def set_key(
    court_code: str,
    division: str,
    year: int,
    word: str,
    number: int,
    batch: int,
    *,
    own_court: str,
) -> SetKey:
    """The key of the set to open, normalized (no court: the caller's own, no batch: 1);
    InvalidArgument naming every bad field."""
    court_code = court_code.strip().upper() or own_court
    problems = {}
    if (problem := court_problem(court_code)) is not None:
        problems["court_code"] = problem
    division = division.strip()
    if not division:
        problems["division"] = "請輸入股別"
    elif len(division) > MAX_DIVISION:
        problems["division"] = f"股別最多 {MAX_DIVISION} 個字"
    problems.update(case_number_problems(year, word, number))
    batch = batch or 1
    if (problem := batch_problem(batch)) is not None:
        problems["batch"] = problem
    if problems:
        raise InvalidArgument("查詢條件有誤", fields=problems)
    return SetKey(court_code, division, year, normalized_word(word), number, batch)


def check_no_other_division(division: str, other_divisions: Iterable[str]) -> None:
    """A firm that already has this case under another 股別 is asked before a second set
    is made: most often the 股別 was mistyped."""
    others = sorted(set(other_divisions) - {division})
    if others:
        named = "、".join(f"{d}股" for d in others)
        raise FailedPrecondition(
            f"貴公司已有此案號在{named}的照片組；請確認股別是否正確，如確定要在{division}股另建，"
            "請確認後再新增"
        )


@dataclass(frozen=True)
class PublicLookup:
    court_code: str
    case_year: int
    case_word: str
    case_number: int


def public_lookup(court_code: str, year: int, word: str, number: int) -> PublicLookup:
    """The public lookup checks the case number by the same rule as opening a set."""
    court_code = court_code.strip().upper()
    problems = {}
    if (problem := court_problem(court_code)) is not None:
        problems["court_code"] = problem
    problems.update(case_number_problems(year, word, number))
    if problems:
        raise InvalidArgument("查詢條件有誤", fields=problems)
    return PublicLookup(court_code, year, normalized_word(word), number)


@dataclass(frozen=True)
class PhotoTexts:
    auction_target: str
    description: str
    remark: str


def photo_texts(auction_target: str, description: str, remark: str, sequence: int) -> PhotoTexts:
    """A photo's texts, stripped; InvalidArgument when one is too long or the sequence is
    negative (0 means "at the end" or "where it is")."""
    texts = PhotoTexts(auction_target.strip(), description.strip(), remark.strip())
    limits = (
        ("auction_target", texts.auction_target, MAX_AUCTION_TARGET, "拍賣標的"),
        ("description", texts.description, MAX_DESCRIPTION, "說明"),
        ("remark", texts.remark, MAX_REMARK, "備註"),
    )
    problems = {
        name: f"{label}最多 {limit} 個字"
        for name, value, limit, label in limits
        if len(value) > limit
    }
    if sequence < 0:
        problems["sequence"] = "序號須為正整數"
    if problems:
        raise InvalidArgument("照片資料有誤", fields=problems)
    return texts


def check_sequence(sequence: int, highest: int) -> None:
    """A wanted sequence beyond the highest possible one (the end) is refused."""
    if sequence > highest:
        raise InvalidArgument("照片資料有誤", fields={"sequence": f"序號須為 1 至 {highest}"})


def check_order(wanted: list[str], photo_ids: Iterable[str]) -> None:
    """A new order names every photo of the set exactly once."""
    current = list(photo_ids)
    if len(wanted) != len(current) or set(wanted) != set(current):
        raise InvalidArgument("照片順序有誤", fields={"photo_ids": "請列出此案件的每張照片各一次"})


def check_property_type(known: bool) -> None:
    if not known:
        raise InvalidArgument("資料有誤", fields={"property_type": "請選擇標的類型"})


def check_print_chosen(fingerprint: str) -> None:
    if not fingerprint:
        raise InvalidArgument("請指定要比較的列印版本", fields={"from_fingerprint": "必填"})

"""What an appraisal report must contain (seed 003 point 7), and the completeness check
before the division receives it. The items, their order and whether an item may be
"not applicable" are the court's (court_rules `report`); this module only knows what
each answer means:

- a structured field missing or malformed (the report's date, the appraiser's address
  and phone, the total fee), an item not answered, or an item that is always required
  answered "not applicable": a hard stop (refused, nothing kept);
- an item the court marks doubtful answered "not applicable" (e.g. no land transcripts
  for real estate), or the photo set not known to the court for this case: a warning
  the appraiser must acknowledge before the report goes in (as mortgage portals do);
- a page not A4: a hard stop."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from jes_domain import InvalidArgument
from jes_review_workflow.domain.appraisal.court_rules import CourtRules
from jes_review_workflow.domain.appraisal.rotation import Category

POINTS_PER_MM = 72 / 25.4

INCOMPLETE = "鑑定書欠缺必要記載事項，未能送出"
NOT_A4 = "鑑定書應以 A4 紙張製作"
NOT_A_PDF = "鑑定書須為 PDF 檔"
TOO_LARGE = "鑑定書檔案過大"
WARNINGS_TO_CONFIRM = "鑑定書有待確認的事項，請確認後再送出"
PHONE = re.compile(r"^[0-9()+#\- ]{7,20}$")


class Answer(StrEnum):
    PRESENT = "present"
    NOT_APPLICABLE = "not_applicable"


class WhenNotApplicable(StrEnum):
    NEVER = "never"  # always required
    DOUBTFUL = "doubtful"  # may be left out, but the appraiser confirms it
    ALLOWED = "allowed"  # only when it applies


@dataclass(frozen=True)
class Requirement:
    number: int  # as numbered in the court's rules, from 1
    code: str
    label: str
    not_applicable: WhenNotApplicable


@dataclass(frozen=True)
class ReportFields:
    report_date: date | None
    address: str
    phone: str
    total_fee: int


@dataclass(frozen=True)
class Check:
    warnings: tuple[str, ...]


def requirements(rules: CourtRules, category: Category) -> tuple[Requirement, ...]:
    listed = rules.report.get("items", {}).get(category.value, [])
    return tuple(
        Requirement(n, i["code"], i["label"], WhenNotApplicable(i["not_applicable"]))
        for n, i in enumerate(listed, start=1)
    )


def photo_item(rules: CourtRules) -> str:
    return str(rules.report.get("photo_item", ""))


def max_bytes(rules: CourtRules) -> int:
    return int(rules.report.get("max_bytes", 50 * 1024 * 1024))


def is_a4(rules: CourtRules, width_pt: float, height_pt: float) -> bool:
    """Portrait or landscape, within the court's tolerance."""
    paper = rules.report.get("paper", {"width_mm": 210, "height_mm": 297, "tolerance_mm": 3})
    w, h = paper["width_mm"] * POINTS_PER_MM, paper["height_mm"] * POINTS_PER_MM
    tolerance = paper["tolerance_mm"] * POINTS_PER_MM
    short, long = sorted((width_pt, height_pt))
    return abs(short - w) <= tolerance and abs(long - h) <= tolerance


def check(
    rules: CourtRules,
    category: Category,
    fields: ReportFields,
    answers: Mapping[str, Answer],
    today: date,
    *,
    photo_set_id: str,
    photo_set_known: bool,
) -> Check:
    """The hard stops raise InvalidArgument with each problem by field; the warnings
    come back."""
    stops: dict[str, str] = {}
    warnings: list[str] = []
    if fields.report_date is None:
        stops["report_date"] = "請填寫鑑定日期"
    elif fields.report_date > today:
        stops["report_date"] = "鑑定日期不可晚於今天"
    if not fields.address.strip():
        stops["address"] = "請填寫鑑定人住址"
    if not PHONE.match(fields.phone.strip()):
        stops["phone"] = "請填寫鑑定人電話（數字，可含 - 及括號）"
    if fields.total_fee < 1:
        stops["total_fee"] = "請填寫鑑定費用總額"
    needed = requirements(rules, category)
    known = {r.code for r in needed}
    for code in answers:
        if code not in known:
            stops[f"items.{code}"] = "本院規定沒有此記載事項"
    for item in needed:
        answer = answers.get(item.code)
        where = f"items.{item.code}"
        if answer is None:
            stops[where] = f"第 {item.number} 項「{item.label}」未填答"
        elif answer is Answer.NOT_APPLICABLE:
            if item.not_applicable is WhenNotApplicable.NEVER:
                stops[where] = f"第 {item.number} 項「{item.label}」為必要記載事項"
            elif item.not_applicable is WhenNotApplicable.DOUBTFUL:
                warnings.append(f"第 {item.number} 項「{item.label}」勾選不適用，請確認")
        elif item.code == photo_item(rules) and category is Category.REAL_ESTATE:
            if not photo_set_id:
                stops["photo_set_id"] = "請提供鑑估價照片管理系統的照片集"
            elif not photo_set_known:
                warnings.append("照片集尚未送交本院或不屬於本案，請確認照片集連結")
    if stops:
        raise InvalidArgument(INCOMPLETE, fields=stops)
    return Check(tuple(warnings))

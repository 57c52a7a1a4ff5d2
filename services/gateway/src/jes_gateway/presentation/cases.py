"""A case as pages and the API show it (case-sync's CaseSummary and CasePage): the court's
name, the category and status labels from the contract, the case number both ways, every
date in ROC form (posting dates short, 101/07/02, as the old system; the hearing and the
cut-off long, with the weekday), what is new since the reader's last visit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date

from jes.case_sync.v1 import case_queries_pb2 as q
from jes.case_sync.v1 import cases_pb2
from jes_protos import enum_label
from jes_zhtw import format_hearing, format_roc_date, format_roc_date_short, format_roc_datetime

# The seed's notes for readers (案件進度查詢系統 說明), still true.
NOTICES = (
    "本系統所提供之資訊僅供參考，仍以法院實際辦理之情形為準。",
    "本系統所提供與庭期有關資訊，仍以法院傳票或通知書等為準。",
    "各案送上訴、抗告、執行或歸檔後逾二個月，即不再提供查詢。",
)


@dataclass(frozen=True)
class EntryView:
    entry_id: str
    posted_on: str  # 101/07/02
    posted_on_iso: str
    item: str
    hearing: str  # 民國 101年 8月10日 星期五 10:00 第一法庭 言詞辯論; "" = none
    is_new: bool
    corrected: bool


@dataclass(frozen=True)
class CaseView:
    case_id: str
    court_code: str
    court_name: str
    category: str
    case_number: str  # 100.訴.992032
    case_number_formal: str  # 100年度訴字第992032號
    division: str
    status: str
    next_hearing: str
    next_hearing_starts_at: str
    cut_off_on: str  # 民國 115年 3月1日 星期日: from then on, no longer shown ("" = no clock)
    cut_off_on_iso: str
    last_day: str  # the last day it is shown
    new_entries: int
    follow_id: str
    latest_entries: list[EntryView] = field(default_factory=list)


@dataclass(frozen=True)
class CasePageView:
    case: CaseView
    entries: list[EntryView]
    next_page_token: str
    total_entries: int
    data_as_of: str  # 資料更新至 民國 115年 11月30日 星期一 17:20:00
    previous_visit_at: str  # "" = first visit


def hearing_text(hearing: cases_pb2.Hearing) -> str:
    return format_hearing(hearing.starts_at, hearing.place, hearing.kind)


def entry_view(entry: q.CaseEntry) -> EntryView:
    return EntryView(
        entry_id=entry.entry_id,
        posted_on=_short(entry.posted_on),
        posted_on_iso=entry.posted_on,
        item=entry.item,
        hearing=hearing_text(entry.hearing),
        is_new=entry.is_new,
        corrected=entry.corrected,
    )


def case_view(summary: q.CaseSummary) -> CaseView:
    cut_off_on = summary.cut_off.cut_off_on
    cut_off_day = date.fromisoformat(cut_off_on) if cut_off_on else None
    last_day = date.fromordinal(cut_off_day.toordinal() - 1) if cut_off_day else None
    return CaseView(
        case_id=summary.case_id,
        court_code=summary.case.court_code,
        court_name=summary.court_name,
        category=enum_label(cases_pb2.CaseCategory, summary.case.category),
        case_number=summary.dotted_number,
        case_number_formal=summary.formal_number,
        division=summary.division,
        status=enum_label(cases_pb2.CaseStatus, summary.status),
        next_hearing=hearing_text(summary.next_hearing),
        next_hearing_starts_at=summary.next_hearing.starts_at,
        cut_off_on=format_roc_date(cut_off_day) if cut_off_day else "",
        cut_off_on_iso=cut_off_on,
        last_day=format_roc_date(last_day) if last_day else "",
        new_entries=summary.new_entries,
        follow_id=summary.follow_id,
        latest_entries=[entry_view(e) for e in summary.latest_entries],
    )


def case_page_view(page: q.CasePage) -> CasePageView:
    return CasePageView(
        case=case_view(page.summary),
        entries=[entry_view(e) for e in page.entries],
        next_page_token=page.next_page_token,
        total_entries=page.total_entries,
        data_as_of=_moment(page.data_as_of) if page.HasField("data_as_of") else "",
        previous_visit_at=(
            _moment(page.previous_visit_at) if page.HasField("previous_visit_at") else ""
        ),
    )


def _short(iso: str) -> str:
    try:
        return format_roc_date_short(date.fromisoformat(iso))
    except ValueError:
        return iso


def _moment(value: object) -> str:
    return format_roc_datetime(value.ToDatetime(tzinfo=UTC))  # type: ignore[attr-defined]

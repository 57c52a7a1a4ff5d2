"""案件進度查詢: the reader's cases and one case's page."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from jes_gateway.api.schemas.base import Query, Reply


class CasesQuery(Query):
    page_token: Annotated[
        str, Field(description="上一頁回應的 next_page_token", max_length=200)
    ] = ""


class CasePageQuery(Query):
    page_token: Annotated[
        str, Field(description="上一頁回應的 next_page_token", max_length=200)
    ] = ""
    record_visit: Annotated[
        bool, Field(description="記錄此次查看（下次查看時據以標示新的進行事項）")
    ] = False


class CaseEntry(Reply):
    entry_id: str
    posted_on: Annotated[str, Field(description="登載日期（民國），如 101/07/02")]
    posted_on_iso: Annotated[str, Field(description="登載日期（西元 ISO 8601）")]
    item: Annotated[str, Field(description="登載事項")]
    hearing: Annotated[str, Field(description="此事項所定庭期；無則為空字串")]
    is_new: Annotated[bool, Field(description="讀者上次查看之後新增")]
    corrected: Annotated[bool, Field(description="法院登載後曾更正")]


class CaseOverview(Reply):
    case_id: str
    court_code: str
    court_name: str
    category: Annotated[str, Field(description="民事、家事、刑事、行政")]
    case_number: Annotated[str, Field(description="如 100.訴.992032")]
    case_number_formal: Annotated[str, Field(description="如 100年度訴字第992032號")]
    division: Annotated[str, Field(description="股別")]
    status: Annotated[str, Field(description="如 審理中、已送上訴")]
    next_hearing: Annotated[str, Field(description="下次庭期（民國日期、時間、法庭、庭類）")]
    next_hearing_starts_at: Annotated[str, Field(description="下次庭期（臺北時間 ISO 8601）")]
    cut_off_on: Annotated[str, Field(description="自此日起不再提供查詢（民國）；未起算則為空字串")]
    cut_off_on_iso: str
    last_day: Annotated[str, Field(description="可查詢的最後一日（民國）")]
    new_entries: Annotated[int, Field(description="讀者上次查看之後新增的筆數")]
    follow_id: str
    latest_entries: Annotated[list[CaseEntry], Field(description="最新 3 筆（清單中）")]


class CaseList(Reply):
    cases: list[CaseOverview]
    next_page_token: str


class CasePage(Reply):
    case: CaseOverview
    entries: Annotated[list[CaseEntry], Field(description="新到舊")]
    next_page_token: str
    total_entries: int
    data_as_of: Annotated[str, Field(description="資料更新至（民國日期時間）")]
    previous_visit_at: Annotated[str, Field(description="上次查看（民國日期時間）；首次為空字串")]

"""An assigned appraiser's work: payment orders, payments, non-payment reports, notices,
reminders, replies, report errors, and the lists of rows with their last days."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field, StrictBool

from jes_gateway.api.schemas.appraisers import Category, CourtCode, FeeItemInput
from jes_gateway.api.schemas.base import (
    BINARY,
    Input,
    OptionalInt,
    Query,
    Reply,
    blank_as,
    choice,
    values,
)
from jes_gateway.presentation.appraisal_work import WORK_ITEM_STATES
from jes_gateway.presentation.vocabulary import APPRAISER_CATEGORIES, DEADLINE_KINDS, FEE_ITEM_KINDS

Day = Annotated[
    str,
    BeforeValidator(blank_as("")),
    Field(max_length=10, description="YYYY-MM-DD；空白為今天"),
]
Text = Annotated[str, Field(max_length=500)]


class WorkItem(Reply):
    id: str
    court_code: str
    assignment_id: str
    appraiser_id: str
    appraiser_name: str
    case_number: str
    division: str
    kind: Annotated[str, values(DEADLINE_KINDS, "期限種類")]
    kind_label: str
    start: Annotated[str, Field(description="期間起算日（不算入）")]
    days: int
    last_day: Annotated[str, Field(description="期間末日（民法第122條順延後）")]
    last_day_roc: str
    done_on: str
    state: Annotated[str, values(WORK_ITEM_STATES, "狀態")]
    state_label: str
    subject: str
    notice_id: str
    amount: int
    fee_allowed: int
    fee_approved: bool
    reminder_sent: bool
    note: str
    category: Annotated[str, values(APPRAISER_CATEGORIES, "選任的鑑定類別")]


class WorkItems(Reply):
    items: list[WorkItem]
    as_of: str


class WorkQuery(Query):
    court_code: CourtCode = ""
    overdue_only: Annotated[
        bool, BeforeValidator(blank_as(False)), Field(description="只列已逾期者")
    ] = False
    as_of: Day = ""
    assignment_id: Annotated[str, Field(max_length=36)] = ""


class FeeOrderInput(Input):
    ordered_on: Day = ""
    items: Annotated[list[FeeItemInput], Field(min_length=1, max_length=20)]
    registry_parcels: Annotated[int, Field(ge=0, le=100000)] = 0
    travel_group: Annotated[str, Field(max_length=40)] = ""
    copies: Annotated[int, Field(ge=0, le=100000)] = 0
    agreed: Annotated[OptionalInt, Field(ge=0, le=100_000_000)] = 0
    approved: Annotated[StrictBool, Field(description="超過收費標準，已經司法事務官核可")] = False


class PaymentInput(Input):
    paid_on: Day = ""
    amount: Annotated[int, Field(ge=1, le=100_000_000, description="繳納金額")]
    zoning_certificate_needed: Annotated[
        StrictBool, Field(description="須附都市計畫使用分區證明（二十日）")
    ] = False


class NonPaymentInput(Input):
    note: Text = ""


class NoticeInput(Input):
    received_on: Day = ""
    subject: Annotated[str, Field(min_length=1, max_length=500, description="通知事項")]


class ReminderInput(Input):
    received_on: Day = ""


class ReplyInput(Input):
    replied_on: Day = ""


class ReportErrorInput(Input):
    description: Annotated[str, Field(min_length=1, max_length=500)]
    found_on: Day = ""


class ReportError(Reply):
    id: str
    assignment_id: str
    appraiser_id: str
    description: str
    found_on: str
    recorded_by: str


def _codes(values: Any) -> Any:
    """Form posts repeat the field or send one comma-separated value."""
    if isinstance(values, str):
        values = [values]
    if isinstance(values, list):
        return [c.strip() for v in values for c in str(v).split(",") if c.strip()]
    return values


Codes = Annotated[list[str], BeforeValidator(_codes), Field(max_length=40)]


class RequirementsQuery(Query):
    court_code: CourtCode = ""
    category: Category


class ReportRequirement(Reply):
    number: int
    code: str
    label: str
    not_applicable: Annotated[
        str, Field(description="never：必要記載；doubtful：可不適用但須確認；allowed：視情形")
    ]


class ReportRequirements(Reply):
    court_code: str
    category: str
    items: list[ReportRequirement]
    photo_item: str
    max_bytes: int


class ReportForm(Input):
    messages: ClassVar[dict[str, str]] = {"file": "請選擇鑑定書 PDF 檔"}
    refusal: ClassVar[str] = "鑑定書資料有誤"
    file: Annotated[Any, Field(description="鑑定書（A4 PDF）", json_schema_extra=BINARY)]
    report_date: Annotated[str, Field(max_length=10, description="鑑定日期 YYYY-MM-DD")] = ""
    address: Annotated[str, Field(max_length=200, description="鑑定人住址")] = ""
    phone: Annotated[str, Field(max_length=20, description="鑑定人電話")] = ""
    total_fee: Annotated[OptionalInt, Field(ge=0, le=100_000_000, description="鑑定費用總額")] = 0
    present: Annotated[
        Codes, Field(default_factory=list, description="已載明的記載事項代碼（可重複此欄位）")
    ]
    not_applicable: Annotated[
        Codes, Field(default_factory=list, description="不適用的記載事項代碼")
    ]
    photo_set_id: Annotated[str, Field(max_length=36, description="照片管理系統的照片集代號")] = ""
    fee_kind: Annotated[
        str, choice(FEE_ITEM_KINDS, "（鑑定標的種類）"), values(FEE_ITEM_KINDS, "鑑定標的種類")
    ]
    fee_count: Annotated[int, Field(ge=1, le=100000)] = 1
    registry_parcels: Annotated[OptionalInt, Field(ge=0, le=100000)] = 0
    travel_group: Annotated[str, Field(max_length=40)] = ""
    copies: Annotated[OptionalInt, Field(ge=0, le=100000)] = 0
    agreed: Annotated[OptionalInt, Field(ge=0, le=100_000_000)] = 0
    warnings_acknowledged: Annotated[
        bool, BeforeValidator(blank_as(False)), Field(description="已確認警告事項")
    ] = False


class AppraisalReport(Reply):
    id: str
    court_code: str
    assignment_id: str
    appraiser_id: str
    appraiser_name: str
    case_number: str
    division: str
    category: str
    category_label: str
    report_date: str
    address: str
    phone: str
    total_fee: int
    fee_allowed: int
    pages: int
    size: int
    sha256: str
    photo_set_id: str
    items: dict[str, str]
    warnings: list[str]
    submitted_on: str
    submitted_by: str
    download_url: Annotated[str, Field(description="短時效的下載連結（列表才有）")]


class AppraisalReports(Reply):
    reports: list[AppraisalReport]


class ReportsQuery(Query):
    court_code: CourtCode = ""
    assignment_id: Annotated[str, Field(max_length=36)] = ""

"""An assigned appraiser's work: payment orders, payments, non-payment reports, notices,
reminders, replies, report errors, and the lists of rows with their last days."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, StrictBool

from jes_gateway.api.schemas.appraisers import CourtCode, FeeItemInput
from jes_gateway.api.schemas.base import Input, OptionalInt, Query, Reply, blank_as, values
from jes_gateway.presentation.appraisal_work import WORK_ITEM_STATES
from jes_gateway.presentation.vocabulary import DEADLINE_KINDS

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

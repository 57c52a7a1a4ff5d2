"""Appraiser commissioning: the fee calculator, the roster, assignment by rotation, the
rotation log and the fairness report."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BeforeValidator, Field, StrictBool

from jes_gateway.api.schemas.base import Input, OptionalInt, Query, Reply, blank_as, choice, values
from jes_gateway.presentation.vocabulary import (
    APPRAISER_CATEGORIES,
    APPRAISER_STANDINGS,
    DEADLINE_KINDS,
    FEE_ITEM_KINDS,
    ROTATION_LOG_KINDS,
)

COURT_CODE = "法院代碼（系統管理者須指定；法院人員為自己的法院）"
CATEGORY = "鑑定類別：real_estate（不動產）或 other_property（動產及其他財產）"
Category = Annotated[
    str, choice(APPRAISER_CATEGORIES, "（鑑定類別）"), values(APPRAISER_CATEGORIES, CATEGORY)
]
CourtCode = Annotated[
    str, BeforeValidator(blank_as("")), Field(description=COURT_CODE, max_length=3)
]
Count = Annotated[int, Field(ge=0, le=100000)]


class FeeItemInput(Input):
    kind: Annotated[
        str, choice(FEE_ITEM_KINDS, "（鑑定標的種類）"), values(FEE_ITEM_KINDS, "鑑定標的種類")
    ]
    count: Annotated[int, Field(ge=1, le=100000, description="棟（間）、筆、種類或件數")] = 1
    adjoining: Annotated[StrictBool, Field(description="僅土地：各筆土地均相鄰")] = False


class FeeCalculationInput(Input):
    messages: ClassVar[dict[str, str]] = {"items": "請列出一至二十項鑑定標的"}
    court_code: CourtCode = ""
    items: Annotated[list[FeeItemInput], Field(min_length=1, max_length=20)]
    registry_parcels: Count = 0
    travel_group: Annotated[
        str, Field(max_length=40, description="交通費地區代碼（見法院規定）")
    ] = ""
    copies: Count = 0
    charged: Annotated[
        OptionalInt, Field(ge=0, le=100_000_000, description="實際收費，0 不檢核")
    ] = 0
    agreed: Annotated[
        OptionalInt, Field(ge=0, le=100_000_000, description="協議項目之協議金額")
    ] = 0
    approved: Annotated[StrictBool, Field(description="超額部分已經司法事務官核可")] = False


class FeeLine(Reply):
    label: str
    maximum: int
    by_agreement: bool
    note: str


class FeeCalculation(Reply):
    lines: list[FeeLine]
    maximum: int
    by_agreement: bool
    charged: int
    allowed: int
    above_by: int
    acceptable: bool
    problem: str


class RosterQuery(Query):
    court_code: CourtCode = ""
    category: Category


class RosterEntry(Reply):
    id: str
    name: str
    category: str
    position: int
    standing: Annotated[str, values(APPRAISER_STANDINGS, "今日的輪派狀態")]
    standing_label: str
    until: str


class Roster(Reply):
    entries: list[RosterEntry]


class AssignmentInput(Input):
    court_code: CourtCode = ""
    category: Category
    case_number: Annotated[str, Field(max_length=40, description="案號，如 115年度司執字第123號")]
    division: Annotated[str, Field(max_length=20, description="股別")] = ""


class Skipped(Reply):
    appraiser_id: str
    name: str
    reason: str


class Assignment(Reply):
    id: str
    court_code: str
    category: str
    category_label: str
    case_number: str
    division: str
    appraiser_id: str
    appraiser_name: str
    off_rotation: bool
    ground: str
    ground_label: str
    reason: str
    assigned_by: str
    approved_by: str
    assigned_on: str
    skips: list[Skipped]
    replaced: bool
    replaced_reason: str
    refund_owed: int


class CourtQuery(Query):
    court_code: CourtCode = ""


class RotationLogEntry(Reply):
    sequence: int
    kind: Annotated[str, values(ROTATION_LOG_KINDS, "事項")]
    kind_label: str
    day: str
    appraiser_id: str
    case_number: str
    division: str
    by: str
    approved_by: str
    ground: str
    reason: str
    content: Annotated[str, Field(description="雜湊所涵蓋的內容（正規化 JSON）")]
    prev_hash: str
    hash: Annotated[str, Field(description="SHA-256(prev_hash + content)")]


class RotationLog(Reply):
    entries: list[RotationLogEntry]
    chain_intact: bool
    checked: int
    broken_at: Annotated[int, Field(description="第一筆不相連的紀錄序號；完整時為 0")]


class FairnessQuery(Query):
    court_code: CourtCode = ""
    start: Annotated[str, Field(max_length=10, description="開始日 YYYY-MM-DD")]
    end: Annotated[str, Field(max_length=10, description="結束日 YYYY-MM-DD")]


class FlagsQuery(Query):
    court_code: CourtCode = ""
    as_of: Annotated[str, Field(max_length=10, description="以此日判斷 YYYY-MM-DD（預設今天）")] = (
        ""
    )


class DisqualificationFlag(Reply):
    appraiser_id: str
    name: str
    ground: Annotated[int, Field(description="第十二點不適任事由之款次")]
    label: str
    evidence: list[str]


class DisqualificationFlags(Reply):
    flags: list[DisqualificationFlag]


class FairnessRow(Reply):
    appraiser_id: str
    name: str
    category: str
    category_label: str
    assigned: int
    skipped: int
    exceptions: int
    replaced: int


class FairnessReport(Reply):
    court_code: str
    start: str
    end: str
    rows: list[FairnessRow]
    chain_intact: bool


class OffRotationInput(Input):
    court_code: CourtCode = ""
    category: Category
    case_number: Annotated[str, Field(max_length=40, description="案號")]
    division: Annotated[str, Field(max_length=20, description="股別")] = ""
    appraiser_id: Annotated[str, Field(max_length=36, description="選任的鑑定人")]
    ground: Annotated[str, Field(max_length=40, description="不依輪次選任的事由代碼（見法院規定）")]
    reason: Annotated[str, Field(max_length=500, description="理由")]


class ReplacementInput(Input):
    reason: Annotated[str, Field(max_length=500, description="撤換理由")]
    fee_received: Annotated[int, Field(ge=0, le=100_000_000, description="鑑定人已收取的費用")] = 0
    work_completed: Annotated[StrictBool, Field(description="已完成鑑定（不退費）")] = False


class DeadlineQuery(Query):
    court_code: CourtCode = ""
    kind: Annotated[str, choice(DEADLINE_KINDS, "（期限種類）"), values(DEADLINE_KINDS, "期限種類")]
    start: Annotated[str, Field(max_length=10, description="期間起算日 YYYY-MM-DD（不算入）")]


class Deadline(Reply):
    kind: str
    start: str
    days: int
    nominal: str
    last_day: Annotated[str, Field(description="期間末日（遇休息日或停止上班日順延）")]


class ClosureInput(Input):
    court_code: CourtCode = ""
    day: Annotated[str, Field(max_length=10, description="停止上班日 YYYY-MM-DD")]
    reason: Annotated[str, Field(max_length=200, description="原因，如 颱風")]


class Closure(Reply):
    court_code: str
    day: str
    reason: str
    recorded_by: str


class EnrolInput(Input):
    court_code: CourtCode = ""
    category: Category
    name: Annotated[str, Field(max_length=100, description="鑑定人名稱")]
    account_id: Annotated[str, Field(max_length=100, description="入口網帳號（選填）")] = ""
    qualification: Annotated[str, Field(max_length=500, description="資格依據")] = ""


class StandingInput(Input):
    standing: Annotated[
        str, choice(APPRAISER_STANDINGS, "（輪派狀態）"), values(APPRAISER_STANDINGS, "輪派狀態")
    ]
    until: Annotated[
        str, Field(max_length=10, description="期限 YYYY-MM-DD（停止輪派、不適任）")
    ] = ""
    reason: Annotated[str, Field(max_length=500, description="理由")]

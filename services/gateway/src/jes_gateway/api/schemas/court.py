"""Firm applications, the review queue and decisions, the audit log."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BeforeValidator, Field, StrictBool

from jes_gateway.api.schemas.base import DATETIME, Input, LenientPage, Query, Reply, choice, values
from jes_gateway.api.schemas.photos import AuditEntry, PhotoChange, PhotoSet, PrintRecord
from jes_gateway.presentation.vocabulary import APPLICATION_STATUSES

COURT_CODE = "法院代碼（系統管理者可指定；書記官只能查自己的法院）"
SUBMISSION_STATES = (
    "pending",
    "deciding",
    "approved",
    "rejected",
    "withdrawn",
    "not_applied",
    "all",
)


class FirmApplicationInput(Input):
    court_code: Annotated[str, Field(description="所屬法院代碼，如 TPD")]
    company_name: str
    contact_person: str
    email: str
    phone: str


class ApplicationsQuery(Query):
    messages: ClassVar[dict[str, str]] = {"status": "無此申請狀態"}
    refusal: ClassVar[str] = "查詢條件有誤"
    status: Annotated[
        str,
        choice([*APPLICATION_STATUSES, "all"]),
        values([*APPLICATION_STATUSES, "all"], "申請狀態，預設 all"),
    ] = "all"
    court_code: Annotated[str, Field(description=COURT_CODE)] = ""


class FirmApplicationDecisionInput(Input):
    messages: ClassVar[dict[str, str]] = {"approve": "請以 approve: true 或 false 指定審核結果"}
    approve: Annotated[StrictBool, Field(description="true 開通；false 不予開通")]
    reason: Annotated[str, Field(description="不予開通的理由（必填）")] = ""


QUEUE_SORTS = ["newest", "waiting"]


class SubmissionsQuery(Query):
    messages: ClassVar[dict[str, str]] = {
        "state": "無此審核狀態",
        "sort": "排序方式須為 newest 或 waiting",
    }
    refusal: ClassVar[str] = "查詢條件有誤"
    state: Annotated[
        str,
        choice(SUBMISSION_STATES),
        values(SUBMISSION_STATES, "審核狀態，預設 pending（待審核）"),
    ] = "pending"
    page: LenientPage = 1
    court_code: Annotated[str, Field(description=COURT_CODE)] = ""
    case_number: Annotated[
        str,
        Field(description="案號（可只填號，或貼上 114年度司執字第12345號、114.司執.12345）"),
    ] = ""
    division: Annotated[str, Field(description="股別")] = ""
    firm: Annotated[str, Field(description="鑑估價公司名稱或帳號的一部分")] = ""
    sort: Annotated[
        str,
        choice(QUEUE_SORTS),
        values(QUEUE_SORTS, "排序：newest 最新送審在前（預設）；waiting 等候最久在前"),
    ] = "newest"


class ReasonInput(Input):
    photo_id: str
    reason_code: Annotated[str, Field(description="GET /rejection-reasons 的代碼")] = ""
    text: Annotated[str, Field(description="補充說明（代碼為 other 時必填）")] = ""


class SubmissionDecisionInput(Input):
    messages: ClassVar[dict[str, str]] = {
        "approve": "請以 approve: true 或 false 指定審核結果",
        "reasons": "須為物件陣列",
    }
    refusal: ClassVar[str] = "審核資料有誤"
    approve: StrictBool
    note: Annotated[str, Field(description="整體說明")] = ""
    reasons: Annotated[
        list[ReasonInput],
        BeforeValidator(lambda value: value or []),
        Field(default_factory=list, description="不通過時至少一張照片的理由"),
    ]


class AuditQuery(Query):
    page: LenientPage = 1
    court_code: Annotated[str, Field(description=COURT_CODE)] = ""
    subject_id: Annotated[str, Field(description="只列出此對象的紀錄")] = ""


# -- replies ---------------------------------------------------------------------------------


class FirmApplicationCreated(Reply):
    id: str
    status: str
    message: str


class FirmApplication(Reply):
    id: str
    court_code: str
    company_name: str
    contact_person: str
    email: str
    phone: str
    status: Annotated[str, values(["", *APPLICATION_STATUSES], "申請狀態")]
    created_at: Annotated[str | None, DATETIME]
    account_id: Annotated[str, Field(description="開通後的帳號")]
    refusal_reason: str
    decided_at: Annotated[str | None, DATETIME]
    decided_by: str


class FirmApplications(Reply):
    applications: Annotated[list[FirmApplication], Field(description="依申請時間排序")]


class FirmApplicationDecision(Reply):
    id: str
    application_id: str
    court_code: str
    approved: bool
    reason: str
    account_id: str
    decided_by: str
    decided_at: Annotated[str | None, DATETIME]
    state: Annotated[
        str,
        values(
            ["deciding", "applied", "not_applied"],
            "deciding：已決定、系統處理中（會自行完成）；applied：已執行；not_applied：未能執行",
        ),
    ]
    not_applied_reason: Annotated[str, Field(description="決定未能執行的原因")]


class PhotoReason(Reply):
    photo_id: str
    sequence: int
    reason_code: Annotated[str, Field(description="GET /rejection-reasons 的代碼")]
    label: str
    text: str


class Submission(Reply):
    id: str
    photo_set_id: str
    court_code: str
    case_number: Annotated[str, Field(description="如 107年度司執字第999號")]
    division: str
    batch: int
    state: Annotated[
        str,
        values(
            SUBMISSION_STATES[:-1],
            "審核狀態；deciding：已決定、系統處理中（會自行完成）；not_applied：決定未能執行"
            "（見 not_applied_reason）",
        ),
    ]
    firm_account_id: str
    firm_name: str
    submitted_at: Annotated[str | None, DATETIME]
    pages: int
    fingerprint: Annotated[str, Field(description="送審的列印版本")]
    previous_rejected_fingerprint: str
    decided_at: Annotated[str | None, DATETIME]
    decided_by: str
    decision: Annotated[str, values(["approve", "reject", ""], "審核決定（尚未決定時為空字串）")]
    not_applied_reason: Annotated[str, Field(description="決定未能執行的原因")]
    note: str
    reasons: list[PhotoReason]


class SubmissionPage(Reply):
    submissions: list[Submission]
    total: Annotated[int, Field(description="總筆數")]
    page: int
    page_count: int


class SubmissionForReview(Reply):
    submission: Submission
    photo_set: PhotoSet
    prints: list[PrintRecord]
    changes_since_rejection: list[PhotoChange]
    previous_reasons: Annotated[
        list[PhotoReason], Field(description="前次未通過時各照片的理由（重新送審時）；否則為空")
    ]


class RejectionReason(Reply):
    code: str
    label: str


class RejectionReasons(Reply):
    reasons: list[RejectionReason]


class AuditPage(Reply):
    entries: list[AuditEntry]
    total: Annotated[int, Field(description="總筆數")]
    page: int
    page_count: int

"""Professional registration (律師、會計師、專利師、專利代理人、事務所管理人)."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BeforeValidator, Field, StrictBool

from jes_gateway.api.schemas.base import DATETIME, Input, Query, Reply, blank_as, choice, values
from jes_gateway.presentation.professionals import (
    GENDER_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
)

KIND_NAMES = list(KIND_LABELS)
GENDER_NAMES = list(GENDER_LABELS)
STATUS_NAMES = list(STATUS_LABELS)


class ProfessionalApplicationInput(Input):
    refusal: ClassVar[str] = "聲請資料有誤，請修正後再送出"
    kind: Annotated[
        str,
        values(
            KIND_NAMES,
            "聲請人身分別：lawyer 律師、accountant 會計師、"
            "patent_attorney 專利師、patent_agent 專利代理人、"
            "firm_manager 事務所管理人",
        ),
    ]
    account_id: Annotated[
        str, Field(description="網站登入帳號：大寫英文字母及數字，最多 20，不可為身分證字號")
    ]
    name: Annotated[str, Field(description="聲請人姓名")]
    gender: Annotated[str, values(GENDER_NAMES, "性別")]
    national_id: Annotated[str, Field(description="身分證字號（或外來人口統一證號）")]
    is_resident_certificate: Annotated[
        StrictBool, Field(description="national_id 為外來人口統一證號")
    ] = False
    birth_date: Annotated[
        str, Field(description="出生年月日：民國日期（0611218、61/12/18）或 ISO 8601（1972-12-18）")
    ]
    licence_number: Annotated[str, Field(description="證書字號（事務所管理人免填）")] = ""
    association: Annotated[str, Field(description="所屬公會（律師必填）")] = ""
    office_name: Annotated[str, Field(description="事務所名稱（事務所管理人必填）")] = ""
    address: Annotated[str, Field(description="通訊地址")]
    phone: Annotated[str, Field(description="聯絡電話")]
    mobile: Annotated[str, Field(description="行動電話")] = ""
    email: Annotated[str, Field(description="電子郵件：帳號啟用連結寄到這裡")]
    fax: Annotated[str, Field(description="傳真")] = ""


class ApplicantLookupInput(Input):
    refusal: ClassVar[str] = "請輸入聲請編號及身分證字號"
    application_id: Annotated[str, Field(description="聲請編號")]
    national_id: Annotated[str, Field(description="聲請資料上的身分證字號（或外來人口統一證號）")]


class ProfessionalApplicationsQuery(Query):
    messages: ClassVar[dict[str, str]] = {"status": "無此聲請狀態"}
    refusal: ClassVar[str] = "查詢條件有誤"
    status: Annotated[
        str,
        BeforeValidator(blank_as("all")),
        choice([*STATUS_NAMES, "all"]),
        values([*STATUS_NAMES, "all"], "聲請狀態，預設 all"),
    ] = "all"


class ProfessionalDecisionInput(Input):
    messages: ClassVar[dict[str, str]] = {"approve": "請以 approve: true 或 false 指定審核結果"}
    approve: Annotated[
        StrictBool, Field(description="true 核准（建立帳號並寄出啟用連結）；false 駁回")
    ]
    reason: Annotated[str, Field(description="駁回理由（駁回時必填，會寄給聲請人）")] = ""


# -- replies ---------------------------------------------------------------------------------


class ProfessionalApplicationCreated(Reply):
    id: Annotated[str, Field(description="聲請編號（重印聲請表時使用）")]
    status: str
    message: str


class ProfessionalApplication(Reply):
    id: str
    kind: Annotated[str, values(KIND_NAMES, "聲請人身分別")]
    kind_label: str
    account_id: str
    name: str
    gender: Annotated[str, values(GENDER_NAMES, "性別")]
    national_id: str
    is_resident_certificate: bool
    birth_date: Annotated[str, Field(description="ISO 8601 日期")]
    licence_number: str
    association: str
    office_name: str
    address: str
    phone: str
    mobile: str
    email: str
    fax: str
    status: Annotated[str, values(STATUS_NAMES, "聲請狀態")]
    status_label: str
    refusal_reason: str
    created_at: Annotated[str | None, DATETIME]
    decided_at: Annotated[str | None, DATETIME]
    decided_by: Annotated[str, Field(description="決定的系統管理者帳號")]
    activated_at: Annotated[str | None, DATETIME]


class ProfessionalApplications(Reply):
    applications: Annotated[list[ProfessionalApplication], Field(description="依聲請時間排序")]

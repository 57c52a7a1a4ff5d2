"""Appraiser applications and the qualification committee."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field, StrictBool

from jes_gateway.api.schemas.appraisers import CourtCode
from jes_gateway.api.schemas.base import BINARY, DATETIME, Input, Reply, choice, values
from jes_gateway.presentation.appraiser_applications import (
    APPLICATION_STATES,
    MATTER_KINDS,
    MATTER_STATES,
    VOTE_CHOICES,
)


class StaffInput(Input):
    name: Annotated[str, Field(max_length=100, description="姓名")]
    id_number: Annotated[str, Field(max_length=20, description="身分證統一編號或居留證號碼")]


class ApplicationInput(Input):
    refusal: ClassVar[str] = "申請資料有誤"
    messages: ClassVar[dict[str, str]] = {"staff": "請列出一至五十位從事鑑定估價業務的人員"}
    court_code: Annotated[str, Field(max_length=3, description="申請的法院代碼，如 KLD")]
    applicant_type: Annotated[
        str,
        Field(
            max_length=40,
            description="申請類別（法院規定）：firm（公司行號）、real_estate_appraiser"
            "（不動產估價師）、architect（建築師）",
        ),
    ]
    name: Annotated[str, Field(max_length=200, description="公司行號或申請人名稱")]
    registration_number: Annotated[str, Field(max_length=200, description="統一編號或證書字號")]
    business_since: Annotated[
        str, Field(max_length=10, description="公司行號之核准登記日 YYYY-MM-DD")
    ] = ""
    office_address: Annotated[str, Field(max_length=200, description="事務所地址")]
    office_phone: Annotated[str, Field(max_length=30, description="事務所電話")]
    staff: Annotated[list[StaffInput], Field(min_length=1, max_length=50)]


class DocumentForm(Input):
    messages: ClassVar[dict[str, str]] = {"file": "請選擇要上傳的檔案", "item": "請選擇文件項目"}
    refusal: ClassVar[str] = "文件上傳資料有誤"
    item: Annotated[str, Field(max_length=40, description="文件項目代碼（見 required）")]
    file: Annotated[
        Any, Field(description="PDF、JPEG 或 PNG（以內容判斷）", json_schema_extra=BINARY)
    ]


class RequiredDocument(Reply):
    item: str
    label: str
    min_files: int
    uploaded: int


class ApplicationDocument(Reply):
    id: str
    item: str
    file_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: str
    url: Annotated[str, Field(description="檔案的限時下載連結")]


class StaffPerson(Reply):
    name: str
    id_number: str


class Application(Reply):
    id: str
    court_code: str
    applicant_account_id: str
    applicant_type: str
    applicant_type_label: str
    name: str
    registration_number: str
    business_since: str
    office_address: str
    office_phone: str
    staff: list[StaffPerson]
    state: Annotated[str, values(APPLICATION_STATES, "申請狀態")]
    state_label: str
    category: str
    category_label: str
    required: list[RequiredDocument]
    documents: list[ApplicationDocument]
    missing: Annotated[list[str], Field(description="文件不全而不列入評選時，各項未備齊的文件")]
    submitted_at: Annotated[str | None, DATETIME]
    roster_entry_id: str


class Applications(Reply):
    applications: list[Application]


class MemberInput(Input):
    court_code: CourtCode = ""
    account_id: Annotated[
        str, Field(max_length=100, description="委員帳號；空白為庭長本人（召集人）")
    ] = ""
    name: Annotated[str, Field(max_length=100, description="委員姓名")] = ""
    term_from: Annotated[
        str, Field(max_length=10, description="任期起日 YYYY-MM-DD；空白為今日")
    ] = ""


class Member(Reply):
    id: str
    court_code: str
    account_id: str
    name: str
    chair: bool
    term_from: str
    term_until: str


class Members(Reply):
    members: list[Member]


class OpinionInput(Input):
    recommend: Annotated[StrictBool, Field(description="建議列入名冊")]
    opinion: Annotated[str, Field(max_length=5000, description="初擬意見")]


class DisqualificationInput(Input):
    appraiser_id: Annotated[str, Field(max_length=36, description="名冊上的鑑定人")]
    grounds: Annotated[list[int], Field(max_length=17, description="第十二點不適任事由之款次")]
    evidence: Annotated[str, Field(max_length=5000, description="相關資料")] = ""
    opinion: Annotated[str, Field(max_length=5000, description="初擬意見")]


class ReplyInput(Input):
    reply: Annotated[str, Field(max_length=20000, description="鑑定人之書面答辯")]


class VoteInput(Input):
    choice: Annotated[str, choice(VOTE_CHOICES, "（同意或不同意）"), values(VOTE_CHOICES, "表決")]
    written_for: Annotated[
        str, Field(max_length=100, description="召集人登錄書面投票時：該委員的帳號")
    ] = ""


class Vote(Reply):
    member_account_id: str
    choice: str
    choice_label: str
    written: bool
    recorded_by: str
    cast_at: str


class Matter(Reply):
    id: str
    court_code: str
    kind: Annotated[str, values(MATTER_KINDS, "審查案種類")]
    kind_label: str
    subject_id: str
    subject_name: str
    grounds: list[int]
    ground_labels: list[str]
    evidence: str
    reply: str
    recommend: bool
    opinion: str
    opinion_by: str
    state: Annotated[str, values(MATTER_STATES, "審查案狀態")]
    state_label: str
    members: list[str]
    votes: list[Vote]
    votes_for: int
    votes_against: int
    passed: bool
    put_at: Annotated[str | None, DATETIME]
    decided_at: Annotated[str | None, DATETIME]


class Matters(Reply):
    matters: list[Matter]

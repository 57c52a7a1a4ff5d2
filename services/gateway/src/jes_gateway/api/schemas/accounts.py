"""Sessions, accounts and passwords, the public lookup, the shared error and message."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import ConfigDict, Field

from jes_gateway.api.schemas.base import Input, Query, Reply
from jes_gateway.api.schemas.photos import CaseNumber, ListedPlacement

NEW_PASSWORD_HINT = "須符合密碼規則（不符時 fields.new_password 說明原因）"  # noqa: S105


class LoginInput(Input):
    account_id: str
    password: str


class SessionAccount(Reply):
    account_id: str
    name: str
    roles: list[str]
    court_code: str


class Session(Reply):
    access_token: str
    expires_in: Annotated[int, Field(description="有效秒數（5 分鐘）")]
    refresh_token: Annotated[
        str,
        Field(
            description="以 POST /sessions/refresh 換取新的存取權杖；閒置 30 分鐘或登入超過 "
            "12 小時、登出、變更或重設密碼後失效。請如密碼般保管"
        ),
    ]
    session_id: str
    idle_expires_at: Annotated[str | None, Field(description="未再使用時登入失效的時間")]
    absolute_expires_at: Annotated[str | None, Field(description="登入最遲失效的時間")]
    account: SessionAccount


class RefreshInput(Input):
    refresh_token: str


class SessionEntry(Reply):
    id: str
    created_at: str | None
    last_activity_at: str | None
    idle_expires_at: str | None
    absolute_expires_at: str | None
    client_address: str
    user_agent: str
    browser: Annotated[str, Field(description="瀏覽器及作業系統（由 User-Agent 判讀）")]
    current: Annotated[bool, Field(description="是否為此存取權杖所屬的登入")]


class SessionList(Reply):
    sessions: list[SessionEntry]


class SessionsEnded(Reply):
    ended: int
    message: str


class LogoutInput(Input):
    refresh_token: str


class SetPasswordInput(Input):
    token: Annotated[str, Field(description="連結中的 token 參數")]
    new_password: Annotated[str, Field(description=NEW_PASSWORD_HINT)]


class PasswordSet(Reply):
    account_id: str
    message: str


class ResetRequestInput(Input):
    account_id: str
    email: str


class ReminderInput(Input):
    email: str


class AccountPatch(Input):
    name: Annotated[str | None, Field(description="名稱（必填，不可為空）")] = None
    email: str | None = None
    phone: str | None = None
    contact_person: str | None = None


class ChangePasswordInput(Input):
    current_password: str
    new_password: Annotated[str, Field(description=NEW_PASSWORD_HINT)]


class Account(Reply):
    account_id: Annotated[str, Field(description="帳號")]
    name: Annotated[str, Field(description="名稱")]
    email: str
    phone: str
    contact_person: str
    roles: list[str]
    court_code: str
    password_set: bool
    pending_email: Annotated[
        str,
        Field(description="待認證的新電子郵件（輸入寄到該信箱的認證碼後才會啟用；空字串表示沒有）"),
    ]


class EmailChangeInput(Input):
    email: Annotated[str, Field(description="新的電子郵件：認證碼會寄到這裡")]


class EmailCodeSent(Reply):
    email: str
    expires_at: str | None
    resend_after_seconds: int
    message: str


class EmailConfirmInput(Input):
    code: Annotated[str, Field(description="寄到新信箱的 6 位數認證碼")]


class Message(Reply):
    message: str


class Error(Reply):
    """RFC 9457 problem details, with `error` (= detail) and `fields` as the API has
    always answered them."""

    type: Annotated[str, Field(description="問題類型（about:blank）")] = "about:blank"
    title: Annotated[str, Field(description="問題類型的簡短說明（正體中文）")] = ""
    status: Annotated[int, Field(description="HTTP 狀態碼")] = 0
    detail: Annotated[str, Field(description="此次錯誤的說明（正體中文）")] = ""
    error: Annotated[str, Field(description="給使用者看的說明（正體中文），同 detail")]
    fields: Annotated[
        dict[str, str],
        Field(default_factory=dict, description="各欄位的錯誤說明，鍵為欄位名稱"),
    ]


class PublicLookup(Query):
    """As people type them (full-width digits too); every part is checked at once."""

    refusal: ClassVar[str] = "查詢條件有誤"
    court_code: Annotated[str, Field(description="法院代碼，如 TPD")] = ""
    year: Annotated[str, Field(description="年度（民國年）")] = ""
    word: Annotated[str, Field(description="字別，如 司執")] = ""
    number: Annotated[str, Field(description="號")] = ""


class PublicPhoto(Reply):
    sequence: int
    placement: ListedPlacement
    auction_target: str
    description: str
    url: Annotated[str, Field(description="公開版照片（長邊 1000 像素，已移除拍攝位置等資料）")]


class PublicPhotoSet(Reply):
    court_code: str
    division: Annotated[str, Field(description="股別")]
    case_number: CaseNumber
    case_number_text: Annotated[str, Field(description="如 107年度司執字第999號")]
    batch: int
    photos: list[PublicPhoto]


class PublicPhotoSets(Reply):
    photo_sets: Annotated[
        list[PublicPhotoSet], Field(description="審核通過的照片（沒有時為空陣列）")
    ]


class OpenApiDocument(Reply):
    model_config = ConfigDict(extra="allow")
    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]


class BindingCodeInput(Input):
    account_id: Annotated[str, Field(description="要綁定的另一個帳號：認證碼寄到它的電子郵件")]


class BindInput(Input):
    account_id: Annotated[str, Field(description="要綁定的另一個帳號")]
    password: Annotated[str, Field(description="另一個帳號的密碼（與 code 擇一）")] = ""
    code: Annotated[
        str, Field(description="寄到另一個帳號電子郵件的認證碼（與 password 擇一）")
    ] = ""


class BindingEntry(Reply):
    portal_account_id: str
    portal_name: str
    progress_account_id: Annotated[str, Field(description="案件進度查詢帳號")]
    progress_name: str
    bound_at: str | None


class BindingList(Reply):
    bindings: list[BindingEntry]

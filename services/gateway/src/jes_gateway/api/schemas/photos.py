"""Photo sets, photos and prints."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BeforeValidator, Field

from jes_gateway.api.schemas.base import (
    BINARY,
    DATETIME,
    MAX_LIST_PAGE_SIZE,
    NEEDS_VERSION,
    UNCHECKED_VERSION,
    Input,
    OptionalInt,
    Query,
    Reply,
    Version,
    blank_as,
    choice,
    one_of,
    values,
)
from jes_gateway.presentation.vocabulary import (
    ORIENTATIONS,
    PLACEMENTS,
    PROPERTY_TYPES,
    STATUSES,
    VIEWS,
)

Placement = Annotated[str, choice(PLACEMENTS), values(PLACEMENTS, "室內/室外")]
Orientation = Annotated[
    str, choice(ORIENTATIONS), values(ORIENTATIONS, "橫向/直立；空白依照片判斷")
]
PropertyType = Annotated[
    str, choice(PROPERTY_TYPES), values(PROPERTY_TYPES, "標的類型（決定照片檢核的項目）")
]
ListedPlacement = Annotated[str, values(PLACEMENTS, "室內/室外")]
ListedPropertyType = Annotated[str, values(PROPERTY_TYPES, "標的類型（決定照片檢核的項目）")]
ListedView = Annotated[str, values(VIEWS, "照片呈現的部位")]
ListedViews = Annotated[list[ListedView], Field(description="照片呈現的部位")]


def _known_views(names: list[str]) -> list[str]:
    unknown = [n for n in names if n not in VIEWS]
    if unknown:
        raise ValueError("不認得的拍攝內容：" + "、".join(unknown))
    return list(dict.fromkeys(names))


def _split_views(values: Any) -> Any:
    """Form posts may repeat the field or send one comma-separated value."""
    if isinstance(values, str):
        values = [values]
    if isinstance(values, list):
        return [n.strip() for v in values for n in str(v).split(",") if n.strip()]
    return values


VIEWS_SCHEMA = {"items": {"enum": list(VIEWS)}}
Views = Annotated[
    list[str],
    AfterValidator(_known_views),
    Field(description="照片呈現的部位", json_schema_extra=VIEWS_SCHEMA),
]
FormViews = Annotated[
    list[str],
    BeforeValidator(_split_views),
    AfterValidator(_known_views),
    Field(
        description="照片呈現的部位（可重複此欄位，或以逗號分隔）", json_schema_extra=VIEWS_SCHEMA
    ),
]


def _statuses(text: str) -> list[str]:
    wanted = [s.strip() for s in text.split(",") if s.strip()]
    if any(s not in STATUSES for s in wanted):
        raise ValueError(one_of(STATUSES, "（可用逗號分隔多個）"))
    return wanted


def _known_statuses(text: str) -> str:
    _statuses(text)
    return text


# -- requests --------------------------------------------------------------------------------


class PageQuery(Query):
    page: Annotated[
        int, BeforeValidator(blank_as(1)), Field(description="頁碼（從 1 起）", ge=1)
    ] = 1
    page_size: Annotated[
        int,
        BeforeValidator(blank_as(0)),
        Field(description="每頁張數；0 或空白為全部照片", ge=0, le=MAX_LIST_PAGE_SIZE),
    ] = 0


class ListPhotoSetsQuery(Query):
    status: Annotated[
        str,
        AfterValidator(_known_statuses),
        Field(
            description="狀態，可用逗號分隔多個；空白為全部",
            examples=["rejected", "draft,changed_since_print"],
        ),
    ] = ""
    page: Annotated[
        int, BeforeValidator(blank_as(1)), Field(description="頁碼（從 1 起）", ge=1)
    ] = 1
    page_size: Annotated[
        int,
        BeforeValidator(blank_as(20)),
        Field(description="每頁筆數，預設 20，最多 100", ge=0, le=MAX_LIST_PAGE_SIZE),
    ] = 20

    def statuses(self) -> list[str]:
        return _statuses(self.status)


class CaseNumberInput(Input):
    year: Annotated[int, Field(description="民國年度，如 107")]
    word: Annotated[str, Field(description="字別，如 司執")]
    number: Annotated[int, Field(description="號，如 999")]


class OpenPhotoSet(Input):
    court_code: Annotated[str, Field(description="空白為所屬法院")] = ""
    division: Annotated[str, Field(description="股別")]
    case_number: CaseNumberInput
    batch: Annotated[int | None, Field(description="批次，預設 1")] = 1
    create: Annotated[
        bool, Field(description="不存在時是否新增，預設 true；false 時不存在回 404")
    ] = True
    confirm_other_division: Annotated[
        bool,
        Field(
            description="貴公司已有此案號在其他股別的照片組時，新增須為 true"
            "（否則回 409 並說明是哪個股別）"
        ),
    ] = False


class UpdatePhotoSet(Input):
    messages: ClassVar[dict[str, str]] = {"expected_version": NEEDS_VERSION}
    property_type: PropertyType
    expected_version: Version


class ReorderPhotos(Input):
    messages: ClassVar[dict[str, str]] = {
        "expected_version": NEEDS_VERSION,
        "photo_ids": "須為照片 id 的陣列，依新的順序列出每張照片各一次",
    }
    photo_ids: Annotated[list[str], Field(description="此照片組的每張照片各一次，依新的順序")]
    expected_version: Version


class UploadPhotoForm(Input):
    messages: ClassVar[dict[str, str]] = {"file": "請選擇要上傳的照片"}
    refusal: ClassVar[str] = "照片資料有誤"
    file: Annotated[Any, Field(description="JPEG、PNG 或 HEIC 照片", json_schema_extra=BINARY)]
    placement: Placement = ""
    orientation: Orientation = ""
    auction_target: Annotated[str, Field(description="拍賣標的")] = ""
    description: Annotated[str, Field(description="說明")] = ""
    remark: Annotated[str, Field(description="備註")] = ""
    sequence: Annotated[OptionalInt, Field(description="序號；0 或空白接續最後一張")] = 0
    views: Annotated[FormViews, Field(default_factory=list)]
    expected_version: Annotated[OptionalInt, Field(description=UNCHECKED_VERSION)] = 0


class UpdatePhoto(Input):
    """Fields left out keep their value."""

    messages: ClassVar[dict[str, str]] = {"expected_version": NEEDS_VERSION}
    refusal: ClassVar[str] = "照片資料有誤"
    expected_version: Version
    sequence: Annotated[int, Field(description="新序號，其他照片隨之移動；0 不移動")] = 0
    placement: Placement | None = None
    orientation: Orientation = ""
    auction_target: str | None = None
    description: str | None = None
    remark: str | None = None
    views: Views | None = None


class ReplaceImageForm(Input):
    messages: ClassVar[dict[str, str]] = {
        "file": "請選擇新的照片檔案",
        "expected_version": NEEDS_VERSION,
    }
    file: Annotated[Any, Field(description="新的照片檔", json_schema_extra=BINARY)]
    expected_version: Version


class VersionQuery(Query):
    messages: ClassVar[dict[str, str]] = {"expected_version": NEEDS_VERSION}
    refusal: ClassVar[str] = Input.refusal
    expected_version: Annotated[int, Field(description="此案件目前的版本")]


class PrintPhotoSet(Input):
    expected_version: Annotated[OptionalInt, Field(description="0 或省略不檢查版本")] = 0


class DiffQuery(Query):
    messages: ClassVar[dict[str, str]] = {"from": "必填：較早一次列印的 fingerprint"}
    from_: Annotated[
        str, Field(alias="from", min_length=1, description="較早一次列印的 fingerprint")
    ]
    to: Annotated[str, Field(description="較晚一次列印的 fingerprint；空白為目前內容")] = ""


# -- replies ---------------------------------------------------------------------------------


class CaseNumber(Reply):
    year: Annotated[int, Field(description="民國年度，如 107")]
    word: Annotated[str, Field(description="字別，如 司執")]
    number: Annotated[int, Field(description="號，如 999")]


class Photo(Reply):
    id: str
    photo_set_id: str
    sequence: Annotated[int, Field(description="序號")]
    placement: ListedPlacement
    orientation: Annotated[str, values(ORIENTATIONS, "橫向/直立")]
    auction_target: Annotated[str, Field(description="拍賣標的")]
    description: Annotated[str, Field(description="說明")]
    remark: Annotated[str, Field(description="備註")]
    views: ListedViews
    width: int
    height: int
    sha256: str
    content_type: str
    duplicate: Annotated[bool, Field(description="與同案另一張照片內容相同")]
    rejection_reason: Annotated[str, Field(description="法院上次退回的理由")]
    thumbnail_url: Annotated[str, Field(description="縮圖（限時有效的連結）")]
    image_url: Annotated[str, Field(description="報告尺寸圖（限時有效的連結）")]
    public_url: Annotated[str, Field(description="公開版照片（限時有效的連結）")]


class ChecklistItem(Reply):
    view: ListedView
    label: str
    satisfied: bool
    warning: Annotated[str, Field(description="未符合時的提醒；符合時為空字串")]
    sequences: Annotated[
        list[int], Field(description="符合此項的照片序號（室內照片即符合「室內」）")
    ]
    hint: Annotated[str, Field(description="未符合時：在哪裡標示；符合時為空字串")]


class PhotoSet(Reply):
    id: str
    court_code: Annotated[str, Field(description="法院代碼，如 TPD")]
    division: Annotated[str, Field(description="股別")]
    case_number: CaseNumber
    case_number_text: Annotated[str, Field(description="如 107年度司執字第999號")]
    batch: Annotated[int, Field(description="批次")]
    firm_account_id: str
    firm_name: str
    status: Annotated[str, values(["", *STATUSES], "狀態")]
    version: Annotated[int, Field(description="每次修改遞增；修改時帶入以免覆蓋他人變更")]
    property_type: ListedPropertyType
    photo_count: Annotated[int, Field(description="總張數")]
    page: Annotated[int, Field(description="第幾頁；0 為全部照片")]
    page_count: Annotated[int, Field(description="總頁數")]
    changed_since_print: bool
    last_fingerprint: str
    last_printed_at: Annotated[str | None, DATETIME]
    updated_at: Annotated[str | None, DATETIME]
    review_note: Annotated[str, Field(description="法院上次審核的整體說明")]
    checklist: Annotated[list[ChecklistItem], Field(description="照片檢核（僅提醒，不影響列印）")]
    photos: list[Photo]
    urls: Annotated[dict[str, str], Field(description="相關 API 路徑，以及網頁（web）")]


class PhotoSetPage(Reply):
    photo_sets: Annotated[list[PhotoSet], Field(description="一頁照片組（不含照片）")]
    total: int
    page: int
    page_count: int


class PrintRecord(Reply):
    id: str
    set_version: int
    fingerprint: str
    report_id: str
    pages: int
    photo_count: int
    printed_at: Annotated[str | None, DATETIME]
    printed_by: str
    report_url: Annotated[str, Field(description="PDF 報告（限時有效的連結）")]
    checklist_warnings: Annotated[
        list[str], Field(description="列印當時照片檢核仍有的提醒（如「背面：尚無…」）；無則為空")
    ]


class Printed(Reply):
    photo_set: PhotoSet
    report_id: str
    fingerprint: Annotated[str, Field(description="此次列印的版本指紋")]
    pages: int
    report_url: Annotated[str, Field(description="PDF 連結（限時有效）")]


class Prints(Reply):
    prints: Annotated[list[PrintRecord], Field(description="歷次列印（新的在前）")]


CHANGES = ["added", "removed", "modified", "image_replaced", "moved"]


class PhotoChange(Reply):
    photo_id: str
    change: Annotated[str, values(CHANGES, "異動種類")]
    sequence_before: int
    sequence_after: int
    fields: list[str]
    summary: str
    thumbnail_url: str
    thumbnail_before_url: Annotated[
        str, Field(description="更換照片（image_replaced）時，更換前的縮圖；其他為空字串")
    ]


class Changes(Reply):
    changes: list[PhotoChange]


class AuditEntry(Reply):
    id: str
    at: Annotated[str | None, DATETIME]
    actor_account_id: str
    actor_role: str
    action: Annotated[str, Field(description="如 submission.approved")]
    subject_type: str
    subject_id: str
    court_code: str
    before: Annotated[Any, Field(description="變更前（JSON 物件，之前不存在時為 null）")]
    after: Annotated[Any, Field(description="變更後（JSON 物件，之後不存在時為 null）")]


class History(Reply):
    entries: Annotated[list[AuditEntry], Field(description="舊的在前")]

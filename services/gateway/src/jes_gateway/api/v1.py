"""REST API v1. Every endpoint is described in `openapi.py`; keep the two in step."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any, NoReturn

from flask import Blueprint, abort, jsonify, request, url_for
from google.protobuf.timestamp_pb2 import Timestamp

from jes.identity.v1 import identity_pb2
from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes_gateway.api.openapi import (
    BOOLEAN,
    INTEGER,
    STRING,
    body,
    errors,
    obj,
    operation,
    path_param,
    query,
    ref,
    reply,
)
from jes_gateway.context import gateway

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")

# The API's names for the photo enums ("" = unspecified). Web forms use the same names.
PLACEMENTS = {
    "": pb.PLACEMENT_UNSPECIFIED,
    "indoor": pb.PLACEMENT_INDOOR,
    "outdoor": pb.PLACEMENT_OUTDOOR,
}
ORIENTATIONS = {
    "": pb.ORIENTATION_UNSPECIFIED,
    "landscape": pb.ORIENTATION_LANDSCAPE,
    "portrait": pb.ORIENTATION_PORTRAIT,
}
PROPERTY_TYPES = {
    "": pb.PROPERTY_TYPE_UNSPECIFIED,
    "ground_floor": pb.PROPERTY_TYPE_GROUND_FLOOR,
    "top_floor": pb.PROPERTY_TYPE_TOP_FLOOR,
    "detached": pb.PROPERTY_TYPE_DETACHED,
    "other": pb.PROPERTY_TYPE_OTHER,
}
VIEWS = {
    "interior": pb.VIEW_INTERIOR,
    "front": pb.VIEW_FRONT,
    "back": pb.VIEW_BACK,
    "left_side": pb.VIEW_LEFT_SIDE,
    "right_side": pb.VIEW_RIGHT_SIDE,
    "road": pb.VIEW_ROAD,
    "addons": pb.VIEW_ADDONS,
}
STATUSES = {
    "draft": pb.PHOTO_SET_STATUS_DRAFT,
    "submitted": pb.PHOTO_SET_STATUS_SUBMITTED,
    "changed_since_print": pb.PHOTO_SET_STATUS_CHANGED_SINCE_PRINT,
    "rejected": pb.PHOTO_SET_STATUS_REJECTED,
    "approved": pb.PHOTO_SET_STATUS_APPROVED,
}


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="請以 JSON 格式送出資料")
    return body


@bp.post("/firm-applications")
def apply_firm_account() -> Any:
    body = json_body()
    reply = gateway().services.identity.call(
        "ApplyFirmAccount",
        identity_pb2.ApplyFirmAccountRequest(
            court_code=str(body.get("court_code", "")),
            company_name=str(body.get("company_name", "")),
            contact_person=str(body.get("contact_person", "")),
            email=str(body.get("email", "")),
            phone=str(body.get("phone", "")),
        ),
    )
    return jsonify(id=reply.id, status="pending", message="申請已送出，請等候法院審核"), 201


@bp.post("/sessions")
def login() -> Any:
    body = json_body()
    reply = gateway().services.identity.call(
        "Login",
        identity_pb2.LoginRequest(
            account_id=str(body.get("account_id", "")), password=str(body.get("password", ""))
        ),
    )
    return jsonify(
        access_token=reply.access_token,
        expires_in=reply.expires_in_seconds,
        account={
            "account_id": reply.account.account_id,
            "name": reply.account.display_name,
            "roles": list(reply.account.roles),
            "court_code": reply.account.court_code,
        },
    ), 201


# -- photo sets (seed 000) ------------------------------------------------------------------
#
# Every call goes to photo-storage with the caller's own token: photo-storage decides what
# the caller may see and change (a firm: its own sets; another firm's set is "not found").
# Changes carry `expected_version`, the set version the caller last saw; a stale one is
# refused with 409 so two programs (or a program and a person) cannot overwrite each other.

NEEDS_VERSION = "必填：此案件目前的版本（version）"
MAX_LIST_PAGE_SIZE = 100


def photos_call(method: str, message: Any, **kwargs: Any) -> Any:
    return gateway().services.photos.call(method, message, token=bearer_token(), **kwargs)


def refuse(fields: dict[str, str], message: str = "資料有誤，請修正後再送出") -> NoReturn:
    """400 with a zh-TW message per field, like the services' own refusals."""
    response = jsonify(error=message, fields=fields)
    response.status_code = 400
    abort(response)


def as_int(value: Any, name: str, problems: dict[str, str], *, default: int = 0) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        problems[name] = "須為整數"
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        problems[name] = "須為整數"
        return default


def as_enum(value: Any, names: dict[str, int], name: str, problems: dict[str, str]) -> int:
    text = "" if value is None else str(value)
    if text not in names:
        problems[name] = "須為 " + "、".join(n for n in names if n) + " 之一"
        return 0
    return names[text]


def as_views(values: list[Any], problems: dict[str, str]) -> list[int]:
    """A list of view names; form posts may also send one comma-separated field."""
    names = [n.strip() for v in values for n in str(v).split(",") if n.strip()]
    unknown = [n for n in names if n not in VIEWS]
    if unknown:
        problems["views"] = "不認得的拍攝內容：" + "、".join(unknown)
        return []
    return [VIEWS[n] for n in dict.fromkeys(names)]


def page_args(*, default_size: int) -> tuple[int, int]:
    problems: dict[str, str] = {}
    page = as_int(request.args.get("page"), "page", problems, default=1)
    page_size = as_int(request.args.get("page_size"), "page_size", problems, default=default_size)
    if page < 1:
        problems["page"] = "須為 1 以上的整數"
    if not 0 <= page_size <= MAX_LIST_PAGE_SIZE:
        problems["page_size"] = f"須為 0 至 {MAX_LIST_PAGE_SIZE}"
    if problems:
        refuse(problems, "查詢參數有誤")
    return page, page_size


def required_version(value: Any, problems: dict[str, str]) -> int:
    """`expected_version` of a change; a missing or odd one becomes a field problem."""
    version = as_int(value, "expected_version", problems)
    if value is None or value == "" or "expected_version" in problems:
        problems["expected_version"] = NEEDS_VERSION
    return version


def optional_version(value: Any, problems: dict[str, str]) -> int:
    """0 = do not check (photo-storage's rule for uploads and prints)."""
    return as_int(value, "expected_version", problems)


@bp.get("/photo-sets")
def list_photo_sets() -> Any:
    problems: dict[str, str] = {}
    wanted = [s.strip() for s in request.args.get("status", "").split(",") if s.strip()]
    unknown = [s for s in wanted if s not in STATUSES]
    if unknown:
        problems["status"] = "須為 " + "、".join(STATUSES) + " 之一（可用逗號分隔多個）"
    if problems:
        refuse(problems, "查詢參數有誤")
    page, page_size = page_args(default_size=20)
    reply = photos_call(
        "ListPhotoSets",
        pb.ListPhotoSetsRequest(
            statuses=[STATUSES[s] for s in wanted], page=page, page_size=page_size
        ),
    )
    return jsonify(
        photo_sets=[photo_set_json(s) for s in reply.photo_sets],
        total=reply.total,
        page=reply.page,
        page_count=reply.page_count,
    )


@bp.post("/photo-sets")
def open_photo_set() -> Any:
    body = json_body()
    case = body.get("case_number") or {}
    try:
        request_message = pb.OpenPhotoSetRequest(
            court_code=str(body.get("court_code", "")),
            division=str(body.get("division", "")),
            case_number=pb.CaseNumber(
                year=int(case.get("year", 0)),
                word=str(case.get("word", "")),
                number=int(case.get("number", 0)),
            ),
            batch=int(body.get("batch") or 1),
            create=bool(body.get("create", True)),
        )
    except (TypeError, ValueError, AttributeError):
        abort(400, description="案號格式錯誤")
    reply = photos_call("OpenPhotoSet", request_message)
    return jsonify(photo_set_json(reply))


@bp.get("/photo-sets/<set_id>")
def get_photo_set(set_id: str) -> Any:
    page, page_size = page_args(default_size=0)
    reply = photos_call(
        "GetPhotoSet", pb.GetPhotoSetRequest(photo_set_id=set_id, page=page, page_size=page_size)
    )
    return jsonify(photo_set_json(reply))


@bp.patch("/photo-sets/<set_id>")
def update_photo_set(set_id: str) -> Any:
    body = json_body()
    problems: dict[str, str] = {}
    message = pb.UpdatePhotoSetRequest(
        photo_set_id=set_id,
        expected_version=required_version(body.get("expected_version"), problems),
        property_type=as_enum(body.get("property_type"), PROPERTY_TYPES, "property_type", problems),
    )
    if "property_type" not in body:
        problems["property_type"] = "必填"
    if problems:
        refuse(problems)
    return jsonify(photo_set_json(photos_call("UpdatePhotoSet", message)))


@bp.post("/photo-sets/<set_id>/photos")
def upload_photo(set_id: str) -> Any:
    upload = request.files.get("file")
    form = request.form
    problems: dict[str, str] = {}
    if upload is None:
        problems["file"] = "請選擇要上傳的照片"
    message = pb.UploadPhotoRequest(
        photo_set_id=set_id,
        filename=(upload.filename or "") if upload else "",
        placement=as_enum(form.get("placement", ""), PLACEMENTS, "placement", problems),
        orientation=as_enum(form.get("orientation", ""), ORIENTATIONS, "orientation", problems),
        views=as_views(form.getlist("views"), problems),
        auction_target=form.get("auction_target", ""),
        description=form.get("description", ""),
        remark=form.get("remark", ""),
        sequence=as_int(form.get("sequence"), "sequence", problems),
        expected_version=optional_version(form.get("expected_version"), problems),
    )
    if problems or upload is None:
        refuse(problems, "照片資料有誤")
    message.content = upload.read()
    return jsonify(photo_json(photos_call("UploadPhoto", message))), 201


# UpdatePhoto replaces these; the API keeps those a PATCH leaves out.
REPLACED_PHOTO_FIELDS = ("placement", "auction_target", "description", "remark", "views")


@bp.patch("/photos/<photo_id>")
def update_photo(photo_id: str) -> Any:
    """Change a photo's fields; fields left out keep their value."""
    body = json_body()
    problems: dict[str, str] = {}
    version = required_version(body.get("expected_version"), problems)
    if problems:
        refuse(problems, "照片資料有誤")
    fields = {name: body[name] for name in REPLACED_PHOTO_FIELDS if name in body}
    if len(fields) < len(REPLACED_PHOTO_FIELDS):
        current = photos_call("GetPhoto", pb.GetPhotoRequest(photo_id=photo_id))
        fields = {**photo_json(current), **fields}
    views = fields["views"]
    if not isinstance(views, list):
        problems["views"] = '須為陣列，例如 ["front", "road"]'
        views = []
    message = pb.UpdatePhotoRequest(
        photo_id=photo_id,
        expected_version=version,
        sequence=as_int(body.get("sequence"), "sequence", problems),
        placement=as_enum(fields["placement"], PLACEMENTS, "placement", problems),
        orientation=as_enum(body.get("orientation", ""), ORIENTATIONS, "orientation", problems),
        auction_target=str(fields["auction_target"]),
        description=str(fields["description"]),
        remark=str(fields["remark"]),
        views=as_views(views, problems),
    )
    if problems:
        refuse(problems, "照片資料有誤")
    return jsonify(photo_json(photos_call("UpdatePhoto", message)))


@bp.put("/photos/<photo_id>/image")
def replace_photo_image(photo_id: str) -> Any:
    upload = request.files.get("file")
    problems: dict[str, str] = {}
    if upload is None:
        problems["file"] = "請選擇新的照片檔案"
    version = required_version(request.form.get("expected_version"), problems)
    if problems or upload is None:
        refuse(problems)
    message = pb.ReplacePhotoImageRequest(
        photo_id=photo_id,
        expected_version=version,
        content=upload.read(),
        filename=upload.filename or "",
    )
    return jsonify(photo_json(photos_call("ReplacePhotoImage", message)))


@bp.delete("/photos/<photo_id>")
def delete_photo(photo_id: str) -> Any:
    problems: dict[str, str] = {}
    version = required_version(request.args.get("expected_version"), problems)
    if problems:
        refuse(problems)
    reply = photos_call(
        "DeletePhoto", pb.DeletePhotoRequest(photo_id=photo_id, expected_version=version)
    )
    return jsonify(photo_set_json(reply))


@bp.post("/photo-sets/<set_id>/order")
def reorder_photos(set_id: str) -> Any:
    body = json_body()
    problems: dict[str, str] = {}
    version = required_version(body.get("expected_version"), problems)
    photo_ids = body.get("photo_ids")
    if not isinstance(photo_ids, list) or not all(isinstance(i, str) for i in photo_ids):
        problems["photo_ids"] = "須為照片 id 的陣列，依新的順序列出每張照片各一次"
    if problems:
        refuse(problems)
    reply = photos_call(
        "ReorderPhotos",
        pb.ReorderPhotosRequest(photo_set_id=set_id, expected_version=version, photo_ids=photo_ids),
    )
    return jsonify(photo_set_json(reply))


@bp.post("/photo-sets/<set_id>/print")
def print_photo_set(set_id: str) -> Any:
    body = request.get_json(silent=True) or {}  # the body is optional: no version check
    if not isinstance(body, dict):
        abort(400, description="請以 JSON 格式送出資料")
    problems: dict[str, str] = {}
    version = optional_version(body.get("expected_version"), problems)
    if problems:
        refuse(problems)
    reply = photos_call(
        "PrintPhotoSet",
        pb.PrintPhotoSetRequest(photo_set_id=set_id, expected_version=version),
        timeout=300,
    )
    return jsonify(
        photo_set=photo_set_json(reply.photo_set),
        report_id=reply.report_id,
        fingerprint=reply.fingerprint,
        pages=reply.pages,
        report_url=reply.report_url,
    )


@bp.get("/photo-sets/<set_id>/prints")
def list_prints(set_id: str) -> Any:
    reply = photos_call("ListPrints", pb.ListPrintsRequest(photo_set_id=set_id))
    return jsonify(prints=[print_json(p) for p in reply.prints])


@bp.get("/photo-sets/<set_id>/diff")
def diff_prints(set_id: str) -> Any:
    source = request.args.get("from", "")
    if not source:
        refuse({"from": "必填：較早一次列印的 fingerprint"}, "查詢參數有誤")
    reply = photos_call(
        "DiffPrints",
        pb.DiffPrintsRequest(
            photo_set_id=set_id, from_fingerprint=source, to_fingerprint=request.args.get("to", "")
        ),
    )
    return jsonify(changes=[change_json(c) for c in reply.changes])


@bp.get("/photo-sets/<set_id>/history")
def photo_set_history(set_id: str) -> Any:
    reply = photos_call("GetPhotoSetHistory", pb.GetPhotoSetHistoryRequest(photo_set_id=set_id))
    return jsonify(entries=[audit_json(e) for e in reply.entries])


# -- JSON shapes ----------------------------------------------------------------------------


def name_of(names: dict[str, int], value: int) -> str:
    return next((name for name, enum in names.items() if enum == value), "")


def iso(value: Timestamp) -> str | None:
    if not value.seconds and not value.nanos:
        return None
    return value.ToDatetime(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def photo_json(photo: pb.Photo) -> dict[str, Any]:
    return {
        "id": photo.id,
        "photo_set_id": photo.photo_set_id,
        "sequence": photo.sequence,
        "placement": name_of(PLACEMENTS, photo.placement),
        "orientation": name_of(ORIENTATIONS, photo.orientation),
        "auction_target": photo.auction_target,
        "description": photo.description,
        "remark": photo.remark,
        "views": [name_of(VIEWS, v) for v in photo.views],
        "width": photo.width,
        "height": photo.height,
        "sha256": photo.sha256,
        "content_type": photo.content_type,
        "duplicate": photo.duplicate,
        "rejection_reason": photo.rejection_reason,
        "thumbnail_url": photo.thumbnail_url,
        "image_url": photo.image_url,
        "public_url": photo.public_url,
    }


def checklist_json(item: pb.ChecklistItem) -> dict[str, Any]:
    return {
        "view": name_of(VIEWS, item.view),
        "label": item.label,
        "satisfied": item.satisfied,
        "warning": item.warning,
    }


def case_number_json(case: pb.CaseNumber) -> dict[str, Any]:
    return {"year": case.year, "word": case.word, "number": case.number}


def photo_set_json(photo_set: pb.PhotoSet) -> dict[str, Any]:
    return {
        "id": photo_set.id,
        "court_code": photo_set.court_code,
        "division": photo_set.division,
        "case_number": case_number_json(photo_set.case_number),
        "case_number_text": photo_set.case_number_text,
        "batch": photo_set.batch,
        "firm_account_id": photo_set.firm_account_id,
        "firm_name": photo_set.firm_name,
        "status": name_of(STATUSES, photo_set.status),
        "version": photo_set.version,
        "property_type": name_of(PROPERTY_TYPES, photo_set.property_type),
        "photo_count": photo_set.photo_count,
        "page": photo_set.page,
        "page_count": photo_set.page_count,
        "changed_since_print": photo_set.changed_since_print,
        "last_fingerprint": photo_set.last_fingerprint,
        "last_printed_at": iso(photo_set.last_printed_at),
        "updated_at": iso(photo_set.updated_at),
        "review_note": photo_set.review_note,
        "checklist": [checklist_json(i) for i in photo_set.checklist],
        "photos": [photo_json(p) for p in photo_set.photos],
        "urls": {
            "self": url_for("api_v1.get_photo_set", set_id=photo_set.id),
            "photos": url_for("api_v1.upload_photo", set_id=photo_set.id),
            "order": url_for("api_v1.reorder_photos", set_id=photo_set.id),
            "print": url_for("api_v1.print_photo_set", set_id=photo_set.id),
            "prints": url_for("api_v1.list_prints", set_id=photo_set.id),
            "history": url_for("api_v1.photo_set_history", set_id=photo_set.id),
            "web": url_for("photos.photo_set", set_id=photo_set.id),
        },
    }


def print_json(record: pb.PrintRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "set_version": record.set_version,
        "fingerprint": record.fingerprint,
        "report_id": record.report_id,
        "pages": record.pages,
        "photo_count": record.photo_count,
        "printed_at": iso(record.printed_at),
        "printed_by": record.printed_by,
        "report_url": record.report_url,
    }


def change_json(change: pb.PhotoChange) -> dict[str, Any]:
    return {
        "photo_id": change.photo_id,
        "change": change.change,
        "sequence_before": change.sequence_before,
        "sequence_after": change.sequence_after,
        "fields": list(change.fields),
        "summary": change.summary,
        "thumbnail_url": change.thumbnail_url,
    }


def audit_json(entry: Any) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": iso(entry.at),
        "actor_account_id": entry.actor_account_id,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "subject_type": entry.subject_type,
        "subject_id": entry.subject_id,
        "court_code": entry.court_code,
        "before": parsed_json(entry.before_json),
        "after": parsed_json(entry.after_json),
    }


def parsed_json(raw: str) -> Any:
    """An audit entry's before/after: the object, None when empty, the text if not JSON."""
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw


# -- OpenAPI (merged by api/openapi.py) -------------------------------------------------------

PHOTOS_TAG = "照片"
SET_ID = path_param("set_id", "照片組代號")
PHOTO_ID = path_param("photo_id", "照片代號")
VERSION_FIELD = {
    "type": "integer",
    "description": "您最後看到的此案件版本（version）；版本已變更時回傳 409",
}
PHOTO_FORM = {
    "file": {"type": "string", "format": "binary", "description": "JPEG、PNG 或 HEIC 照片"},
    "placement": {"enum": list(PLACEMENTS), "description": "室內/室外"},
    "orientation": {"enum": list(ORIENTATIONS), "description": "橫向/直立；空白依照片判斷"},
    "auction_target": {"type": "string", "description": "拍賣標的"},
    "description": {"type": "string", "description": "說明"},
    "remark": {"type": "string", "description": "備註"},
    "sequence": {"type": "integer", "description": "序號；0 或空白接續最後一張"},
    "views": {
        "type": "array",
        "items": {"enum": list(VIEWS)},
        "description": "照片呈現的部位（可重複此欄位，或以逗號分隔）",
    },
    "expected_version": {"type": "integer", "description": "0 或空白不檢查版本"},
}
PHOTO_SET_PAGE = obj(
    {
        "photo_sets": {"type": "array", "items": ref("PhotoSet")},
        "total": INTEGER,
        "page": INTEGER,
        "page_count": INTEGER,
    },
    ["photo_sets", "total", "page", "page_count"],
)
PAGE_QUERIES = [
    query("page", "頁碼（從 1 起）", INTEGER),
]


def multipart(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "required": True,
        "content": {"multipart/form-data": {"schema": obj(properties, required)}},
    }


OPENAPI_PATHS: dict[str, Any] = {
    "/sessions": {
        "post": operation(
            "登入，取得存取權杖",
            "帳號",
            {
                "201": reply(
                    "存取權杖",
                    obj(
                        {
                            "access_token": STRING,
                            "expires_in": {"type": "integer", "description": "有效秒數"},
                            "account": obj(
                                {
                                    "account_id": STRING,
                                    "name": STRING,
                                    "roles": {"type": "array", "items": STRING},
                                    "court_code": STRING,
                                }
                            ),
                        },
                        ["access_token", "expires_in", "account"],
                    ),
                ),
                **errors(400, 401, 429),
            },
            public=True,
            request_body=body(
                obj({"account_id": STRING, "password": STRING}, ["account_id", "password"])
            ),
        )
    },
    "/firm-applications": {
        "post": operation(
            "鑑估價公司新申請帳號",
            "帳號",
            {
                "201": reply(
                    "申請已送出",
                    obj({"id": STRING, "status": STRING, "message": STRING}, ["id", "status"]),
                ),
                **errors(400, 429),
            },
            public=True,
            request_body=body(
                obj(
                    {
                        "court_code": {"type": "string", "description": "所屬法院代碼，如 TPD"},
                        "company_name": STRING,
                        "contact_person": STRING,
                        "email": STRING,
                        "phone": STRING,
                    },
                    ["court_code", "company_name", "contact_person", "email", "phone"],
                )
            ),
        )
    },
    "/photo-sets": {
        "get": operation(
            "我的照片組（可依狀態篩選）",
            PHOTOS_TAG,
            {"200": reply("一頁照片組（不含照片）", PHOTO_SET_PAGE), **errors(400, 401, 403)},
            parameters=[
                query(
                    "status",
                    "狀態，可用逗號分隔多個；空白為全部",
                    {"type": "string", "examples": ["rejected", "draft,changed_since_print"]},
                ),
                *PAGE_QUERIES,
                query("page_size", "每頁筆數，預設 20，最多 100", INTEGER),
            ],
        ),
        "post": operation(
            "照片上傳維護：依股別、案號、批次查詢或新增照片組",
            PHOTOS_TAG,
            {"200": reply("照片組", ref("PhotoSet")), **errors(400, 401, 403, 404, 409)},
            request_body=body(
                obj(
                    {
                        "court_code": {"type": "string", "description": "空白為所屬法院"},
                        "division": {"type": "string", "description": "股別"},
                        "case_number": ref("CaseNumber"),
                        "batch": {"type": "integer", "description": "批次，預設 1"},
                        "create": {
                            "type": "boolean",
                            "description": "不存在時是否新增，預設 true；false 時不存在回 404",
                        },
                    },
                    ["division", "case_number"],
                )
            ),
        ),
    },
    "/photo-sets/{set_id}": {
        "get": operation(
            "一個照片組：照片（可分頁）、檢核結果、狀態與版本",
            PHOTOS_TAG,
            {"200": reply("照片組", ref("PhotoSet")), **errors(400, 401, 404)},
            parameters=[
                SET_ID,
                *PAGE_QUERIES,
                query("page_size", "每頁張數；0 或空白為全部照片", INTEGER),
            ],
        ),
        "patch": operation(
            "設定標的類型（決定照片檢核的項目）",
            PHOTOS_TAG,
            {"200": reply("修改後的照片組", ref("PhotoSet")), **errors(400, 401, 404, 409)},
            parameters=[SET_ID],
            request_body=body(
                obj(
                    {
                        "property_type": {"enum": list(PROPERTY_TYPES), "description": "標的類型"},
                        "expected_version": VERSION_FIELD,
                    },
                    ["property_type", "expected_version"],
                )
            ),
        ),
    },
    "/photo-sets/{set_id}/photos": {
        "post": operation(
            "上傳一張照片",
            PHOTOS_TAG,
            {"201": reply("新照片", ref("Photo")), **errors(400, 401, 404, 409)},
            parameters=[SET_ID],
            request_body=multipart(PHOTO_FORM, ["file"]),
            description="縮圖、報告用圖及公開版照片由系統製作。格式以內容判斷，不看副檔名。",
        )
    },
    "/photos/{photo_id}": {
        "patch": operation(
            "修改照片的欄位（未送出的欄位保留原值）",
            PHOTOS_TAG,
            {"200": reply("修改後的照片", ref("Photo")), **errors(400, 401, 404, 409)},
            parameters=[PHOTO_ID],
            request_body=body(
                obj(
                    {
                        "expected_version": VERSION_FIELD,
                        "sequence": {"type": "integer", "description": "新序號，其他照片隨之移動"},
                        "placement": PHOTO_FORM["placement"],
                        "orientation": PHOTO_FORM["orientation"],
                        "auction_target": STRING,
                        "description": STRING,
                        "remark": STRING,
                        "views": {"type": "array", "items": {"enum": list(VIEWS)}},
                    },
                    ["expected_version"],
                )
            ),
        ),
        "delete": operation(
            "刪除照片（後面的照片序號往前遞補）",
            PHOTOS_TAG,
            {"200": reply("刪除後的照片組", ref("PhotoSet")), **errors(400, 401, 404, 409)},
            parameters=[PHOTO_ID, query("expected_version", "此案件目前的版本", INTEGER, True)],
        ),
    },
    "/photos/{photo_id}/image": {
        "put": operation(
            "更換照片檔（序號及欄位不變）",
            PHOTOS_TAG,
            {"200": reply("更換後的照片", ref("Photo")), **errors(400, 401, 404, 409)},
            parameters=[PHOTO_ID],
            request_body=multipart(
                {"file": PHOTO_FORM["file"], "expected_version": VERSION_FIELD},
                ["file", "expected_version"],
            ),
        )
    },
    "/photo-sets/{set_id}/order": {
        "post": operation(
            "調整照片順序（序號依新順序改為 1..n）",
            PHOTOS_TAG,
            {"200": reply("調整後的照片組", ref("PhotoSet")), **errors(400, 401, 404, 409)},
            parameters=[SET_ID],
            request_body=body(
                obj(
                    {
                        "photo_ids": {
                            "type": "array",
                            "items": STRING,
                            "description": "此照片組的每張照片各一次，依新的順序",
                        },
                        "expected_version": VERSION_FIELD,
                    },
                    ["photo_ids", "expected_version"],
                )
            ),
        )
    },
    "/photo-sets/{set_id}/print": {
        "post": operation(
            "列印（產生 PDF 照片報告並送交法院審核）",
            PHOTOS_TAG,
            {
                "200": reply(
                    "列印結果",
                    obj(
                        {
                            "photo_set": ref("PhotoSet"),
                            "report_id": STRING,
                            "fingerprint": {"type": "string", "description": "此次列印的版本指紋"},
                            "pages": INTEGER,
                            "report_url": {"type": "string", "description": "PDF 連結（限時有效）"},
                        },
                        ["photo_set", "fingerprint", "report_url"],
                    ),
                ),
                **errors(400, 401, 404, 409),
            },
            parameters=[SET_ID],
            request_body={
                "required": False,
                "content": {
                    "application/json": {
                        "schema": obj(
                            {
                                "expected_version": {
                                    "type": "integer",
                                    "description": "0 或省略不檢查版本",
                                }
                            }
                        )
                    }
                },
            },
            description="列印即送審；列印後再修改，須重新列印法院才能接收。",
        )
    },
    "/photo-sets/{set_id}/prints": {
        "get": operation(
            "歷次列印（新的在前）",
            PHOTOS_TAG,
            {
                "200": reply(
                    "列印紀錄",
                    obj({"prints": {"type": "array", "items": ref("PrintRecord")}}, ["prints"]),
                ),
                **errors(401, 404),
            },
            parameters=[SET_ID],
        )
    },
    "/photo-sets/{set_id}/diff": {
        "get": operation(
            "兩次列印之間的差異",
            PHOTOS_TAG,
            {
                "200": reply(
                    "差異",
                    obj({"changes": {"type": "array", "items": ref("PhotoChange")}}, ["changes"]),
                ),
                **errors(400, 401, 404),
            },
            parameters=[
                SET_ID,
                query("from", "較早一次列印的 fingerprint", STRING, True),
                query("to", "較晚一次列印的 fingerprint；空白為目前內容", STRING),
            ],
        )
    },
    "/photo-sets/{set_id}/history": {
        "get": operation(
            "照片組的異動紀錄（送審後的修改、法院的決定；舊的在前）",
            PHOTOS_TAG,
            {
                "200": reply(
                    "紀錄",
                    obj({"entries": {"type": "array", "items": ref("AuditEntry")}}, ["entries"]),
                ),
                **errors(401, 404),
            },
            parameters=[SET_ID],
        )
    },
}

# Described here as they are in this module's JSON; the shared Photo and PhotoSet schemas
# name the rest.
OPENAPI_SCHEMAS: dict[str, Any] = {
    "ChecklistItem": obj(
        {
            "view": {"enum": list(VIEWS)},
            "label": STRING,
            "satisfied": BOOLEAN,
            "warning": {"type": "string", "description": "未符合時的提醒；符合時為空字串"},
        },
        ["view", "label", "satisfied", "warning"],
    ),
}

"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json.

Each api module describes its own endpoints next to its routes in `OPENAPI_PATHS`
(paths relative to /api/v1, Flask's <name> written {name}) and may add component schemas
in `OPENAPI_SCHEMAS`; this module merges those of every registered blueprint, so a new
api module is included by registering it. A test checks that every /api/v1 route is
described.
"""

from __future__ import annotations

import sys
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify

bp = Blueprint("api_openapi", __name__, url_prefix="/api/v1")

Schema = dict[str, Any]

# -- helpers for the modules' path items -----------------------------------------------------

ERROR_RESPONSES = {
    400: ("BadRequest", "輸入資料有誤（fields 為各欄位的說明）"),
    401: ("Unauthorized", "未登入或權杖已失效"),
    403: ("Forbidden", "沒有使用此功能的權限"),
    404: ("NotFound", "查無資料"),
    409: ("Conflict", "資料狀態已改變，或不符合處理條件"),
    429: ("TooManyRequests", "嘗試次數過多，請稍後再試"),
    503: ("Unavailable", "服務暫時無法使用"),
}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: Schema) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def body(schema: Schema, description: str = "") -> dict[str, Any]:
    item: dict[str, Any] = {"required": True, "content": json_content(schema)}
    if description:
        item["description"] = description
    return item


def reply(description: str, schema: Schema | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"description": description}
    if schema is not None:
        item["content"] = json_content(schema)
    return item


def errors(*statuses: int) -> dict[str, Any]:
    """Standard error responses by status; 503 is always possible, so always listed."""
    return {
        str(status): {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"}
        for status in sorted({*statuses, 503})
    }


def query(name: str, description: str, schema: Schema, required: bool = False) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


def path_param(name: str, description: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


def operation(
    summary: str,
    tag: str,
    responses: dict[str, Any],
    *,
    public: bool = False,
    request_body: dict[str, Any] | None = None,
    parameters: list[Schema] | None = None,
    description: str = "",
) -> dict[str, Any]:
    item: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": responses}
    if description:
        item["description"] = description
    if public:
        item["security"] = []  # no token needed
    if request_body is not None:
        item["requestBody"] = request_body
    if parameters:
        item["parameters"] = parameters
    return item


def obj(properties: dict[str, Schema], required: list[str] | None = None) -> Schema:
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
DATETIME: Schema = {"type": ["string", "null"], "format": "date-time"}
MESSAGE = obj({"message": STRING}, ["message"])

# -- schemas shared by several modules ------------------------------------------------------

COMMON_SCHEMAS: dict[str, Schema] = {
    "Error": obj(
        {
            "error": {"type": "string", "description": "給使用者看的說明（正體中文）"},
            "fields": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "各欄位的錯誤說明，鍵為欄位名稱",
            },
        },
        ["error"],
    ),
    "Message": MESSAGE,
    "CaseNumber": obj(
        {
            "year": {"type": "integer", "description": "民國年度，如 107"},
            "word": {"type": "string", "description": "字別，如 司執"},
            "number": {"type": "integer", "description": "號，如 999"},
        },
        ["year", "word", "number"],
    ),
    "Photo": obj(
        {
            "id": STRING,
            "photo_set_id": STRING,
            "sequence": {"type": "integer", "description": "序號"},
            "placement": {"enum": ["indoor", "outdoor", ""], "description": "室內/室外"},
            "orientation": {"enum": ["landscape", "portrait", ""], "description": "橫向/直立"},
            "auction_target": {"type": "string", "description": "拍賣標的"},
            "description": {"type": "string", "description": "說明"},
            "remark": {"type": "string", "description": "備註"},
            "views": {"type": "array", "items": STRING, "description": "照片呈現的部位"},
            "width": INTEGER,
            "height": INTEGER,
            "sha256": STRING,
            "content_type": STRING,
            "duplicate": {"type": "boolean", "description": "與同案另一張照片內容相同"},
            "rejection_reason": {"type": "string", "description": "法院上次退回的理由"},
            "thumbnail_url": {"type": "string", "description": "縮圖（限時有效的連結）"},
            "image_url": {"type": "string", "description": "報告尺寸圖（限時有效的連結）"},
            "public_url": {"type": "string", "description": "公開版照片（限時有效的連結）"},
        },
        ["id", "sequence"],
    ),
    "PhotoSet": obj(
        {
            "id": STRING,
            "court_code": {"type": "string", "description": "法院代碼，如 TPD"},
            "division": {"type": "string", "description": "股別"},
            "case_number": ref("CaseNumber"),
            "case_number_text": {"type": "string", "description": "如 107年度司執字第999號"},
            "batch": {"type": "integer", "description": "批次"},
            "firm_account_id": STRING,
            "firm_name": STRING,
            "status": {
                "enum": ["draft", "submitted", "changed_since_print", "rejected", "approved", ""]
            },
            "version": {
                "type": "integer",
                "description": "每次修改遞增；修改時帶入以免覆蓋他人變更",
            },
            "photo_count": {"type": "integer", "description": "總筆數"},
            "changed_since_print": BOOLEAN,
            "last_fingerprint": STRING,
            "review_note": {"type": "string", "description": "法院上次審核的整體說明"},
            "property_type": {
                "enum": ["ground_floor", "top_floor", "detached", "other", ""],
                "description": "標的類型（決定照片檢核的項目）",
            },
            "page": {"type": "integer", "description": "第幾頁；0 為全部照片"},
            "page_count": {"type": "integer", "description": "總頁數"},
            "last_printed_at": DATETIME,
            "updated_at": DATETIME,
            "checklist": {
                "type": "array",
                "items": ref("ChecklistItem"),
                "description": "照片檢核（僅提醒，不影響列印）",
            },
            "urls": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "相關 API 路徑，以及網頁（web）",
            },
            "photos": {"type": "array", "items": ref("Photo")},
        },
        ["id", "court_code", "case_number", "batch", "status", "version"],
    ),
    "Account": obj(
        {
            "account_id": {"type": "string", "description": "帳號"},
            "name": {"type": "string", "description": "名稱"},
            "email": STRING,
            "phone": STRING,
            "contact_person": STRING,
            "roles": {"type": "array", "items": STRING},
            "court_code": STRING,
            "password_set": BOOLEAN,
        },
        ["account_id", "name", "roles"],
    ),
    "PrintRecord": obj(
        {
            "id": STRING,
            "report_id": STRING,
            "fingerprint": STRING,
            "set_version": INTEGER,
            "pages": INTEGER,
            "photo_count": INTEGER,
            "printed_at": DATETIME,
            "printed_by": STRING,
            "report_url": {"type": "string", "description": "PDF 報告（限時有效的連結）"},
        },
        ["fingerprint"],
    ),
    "PhotoChange": obj(
        {
            "photo_id": STRING,
            "change": {"enum": ["added", "removed", "modified", "image_replaced", "moved"]},
            "sequence_before": INTEGER,
            "sequence_after": INTEGER,
            "fields": {"type": "array", "items": STRING},
            "summary": STRING,
            "thumbnail_url": STRING,
        },
        ["photo_id", "change"],
    ),
    "AuditEntry": obj(
        {
            "id": STRING,
            "at": DATETIME,
            "actor_account_id": STRING,
            "actor_role": STRING,
            "action": {"type": "string", "description": "如 submission.approved"},
            "subject_type": STRING,
            "subject_id": STRING,
            "court_code": STRING,
            "before": {"description": "變更前（JSON 物件，之前不存在時為 null）"},
            "after": {"description": "變更後（JSON 物件，之後不存在時為 null）"},
        },
        ["id", "at", "action"],
    ),
}

OPENAPI_PATHS: dict[str, Any] = {
    "/openapi.json": {
        "get": operation(
            "本 API 的 OpenAPI 文件",
            "文件",
            {"200": reply("OpenAPI 3.1 文件", {"type": "object"})},
            public=True,
        )
    }
}


def _path_items(app: Flask) -> tuple[dict[str, Any], dict[str, Schema]]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Schema] = dict(COMMON_SCHEMAS)
    for blueprint in app.blueprints.values():
        if blueprint.url_prefix != "/api/v1":
            continue
        module = sys.modules[blueprint.import_name]
        for path, item in getattr(module, "OPENAPI_PATHS", {}).items():
            merged = paths.setdefault(path, {})
            for method, described in item.items():
                if method in merged:
                    raise ValueError(f"OpenAPI: {method.upper()} {path} is described twice")
                merged[method] = described
        for name, schema in getattr(module, "OPENAPI_SCHEMAS", {}).items():
            if schemas.get(name, schema) != schema:
                raise ValueError(f"OpenAPI: schema {name} is defined twice, differently")
            schemas[name] = schema
    return dict(sorted(paths.items())), schemas


def build_document(app: Flask) -> dict[str, Any]:
    paths, schemas = _path_items(app)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "司法e網通 REST API",
            "version": "1.0.0",
            "description": (
                "鑑估報告照片管理、法院審核、帳號維護與照片公開查詢。先以 POST /sessions "
                "取得存取權杖，再於每個請求帶 Authorization: Bearer <權杖>。"
                '錯誤一律回傳 {"error": 說明, "fields": {欄位: 說明}}。'
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JES access token",
                    "description": "POST /sessions 取得的 access_token",
                }
            },
            "schemas": dict(sorted(schemas.items())),
            "responses": {
                name: reply(description, ref("Error"))
                for name, description in ERROR_RESPONSES.values()
            },
        },
    }


@bp.get("/openapi.json")
def openapi_document() -> Any:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if "jes_openapi" not in app.extensions:  # built once per app: the routes do not change
        app.extensions["jes_openapi"] = build_document(app)
    return jsonify(app.extensions["jes_openapi"])

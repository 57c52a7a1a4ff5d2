"""The API's schemas at work (spectree): request validation with zh-TW messages per field,
answers checked against their schema, and the OpenAPI 3.1 document generated from both."""

from __future__ import annotations

from typing import Any

from flask import Flask
from pydantic import ValidationError
from spectree import Response, SpecTree
from spectree.model_adapter.pydantic_adapter import PydanticModelAdapter
from spectree.models import Server

from jes_gateway.api.common import NOT_JSON
from jes_gateway.api.schemas.accounts import Error
from jes_gateway.api.schemas.base import Input
from jes_gateway.presentation.numbers import OUT_OF_RANGE
from jes_gateway.problems import INVALID_MESSAGE, Problem

TITLE = "司法e網通 REST API"
DESCRIPTION = (
    "鑑估報告照片管理、法院審核、帳號維護與照片公開查詢。先以 POST /sessions "
    "取得存取權杖，再於每個請求帶 Authorization: Bearer <權杖>。"
    "錯誤一律以 RFC 9457 problem+json 回傳（type、title、status、detail），"
    '並附 {"error": 說明, "fields": {欄位: 說明}}。'
)
PREFIX = "/api/v1"

# Responses every failing operation may give, by status: (component name, description).
ERROR_RESPONSES = {
    400: ("BadRequest", "輸入資料有誤（fields 為各欄位的說明）"),
    401: ("Unauthorized", "未登入或權杖已失效"),
    403: ("Forbidden", "沒有使用此功能的權限"),
    404: ("NotFound", "查無資料"),
    409: ("Conflict", "資料狀態已改變，或不符合處理條件"),
    429: ("TooManyRequests", "嘗試次數過多，請稍後再試"),
    503: ("Unavailable", "服務暫時無法使用"),
}

# -- zh-TW messages for pydantic's refusals ---------------------------------------------------

GENERIC = {
    "missing": "必填",
    "int_parsing": "須為整數",
    "int_type": "須為整數",
    "int_from_float": "須為整數",
    "bool_type": "須為 true 或 false",
    "bool_parsing": "須為 true 或 false",
    "string_type": "須為文字",
    "list_type": "須為陣列",
    "dict_type": "須為物件",
    "model_type": "須為物件",
    "model_attributes_type": "須為物件",
}


def field_name(location: tuple[Any, ...]) -> str:
    """("reasons", 0, "photo_id") -> "reasons[0].photo_id", as the services name fields."""
    name = ""
    for part in location:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name


def message_of(error: Any) -> str:
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind == "value_error":
        return str(context.get("error", "")) or "格式不正確"
    if kind == "greater_than_equal":
        return f"須為 {context['ge']} 以上的整數"
    if kind == "less_than_equal":
        return f"須為 {context['le']} 以下的整數"
    if kind == "string_too_short":
        return "必填"
    return GENERIC.get(kind, "格式不正確")


def problem_of(invalid: ValidationError) -> Problem:
    """A refused request body or query: one zh-TW message per field."""
    model = Input.by_name.get(invalid.title)
    messages = model.messages if model else {}
    fields: dict[str, str] = {}
    for error in invalid.errors(include_url=False):
        location = tuple(error["loc"])
        if not location:  # the body itself is not an object
            return Problem(400, NOT_JSON)
        top = str(location[0])
        if message_of(error) == OUT_OF_RANGE:  # not the field's usual "what is missing"
            fields.setdefault(field_name(location), OUT_OF_RANGE)
        elif top in messages:
            fields.setdefault(top, messages[top])
        else:
            fields.setdefault(field_name(location), message_of(error))
    return Problem(400, model.refusal if model else INVALID_MESSAGE, fields)


def refuse_invalid(
    request: Any, response: Any, invalid: Exception | None, instance: Any, adapter: Any
) -> None:
    """spectree's `before` hook: an invalid request is a problem, not pydantic's English."""
    if isinstance(invalid, ValidationError):
        raise problem_of(invalid)


class QuietAdapter(PydanticModelAdapter):
    """pydantic, without echoing the refused input (an uploaded file is not JSON)."""

    def validation_errors(self, err: ValidationError) -> Any:
        return err.errors(include_context=False, include_input=False, include_url=False)


api = SpecTree(
    "flask",
    model_adapter=QuietAdapter(),  # type: ignore[arg-type]  # spectree types it loosely
    mode="strict",
    title=TITLE,
    version="1.0.0",
    description=DESCRIPTION,
    before=refuse_invalid,
    validation_error_status=400,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    servers=[Server(url=PREFIX)],
    security={"bearerAuth": []},
)


def answers(status: int, model: Any, *failures: int) -> Response:
    """The operation's answer on success and the problems it may answer (503 always)."""
    codes = [f"HTTP_{code}" for code in sorted({*failures, 503})]
    return Response(*codes, **{f"HTTP_{status}": model})


PUBLIC: dict[str, Any] = {}  # `security=PUBLIC`: no token needed


# -- the document -------------------------------------------------------------------------------


def document(app: Flask) -> dict[str, Any]:
    """spectree's document, with the API's own conventions: paths relative to /api/v1,
    failures as shared problem responses, an optional body where nothing is required."""
    generated = api.spec
    schemas = generated["components"]["schemas"]
    for name in list(schemas):
        if name.startswith("ValidationError"):  # pydantic's own shape: we answer problems
            del schemas[name]
    paths: dict[str, Any] = {}
    for path, item in generated["paths"].items():
        relative = path.removeprefix(PREFIX)
        for operation in item.values():
            _problems_by_reference(operation)
            body = operation.get("requestBody")
            if body:
                _mark_optional_body(body, schemas)
            if not operation.get("description"):
                operation.pop("description", None)
        paths[relative] = item
    schemas["Error"] = Error.model_json_schema(ref_template="#/components/schemas/{model}")
    error = {"$ref": "#/components/schemas/Error"}
    return {
        **generated,
        "paths": dict(sorted(paths.items())),
        "components": {
            **generated["components"],
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
                name: {
                    "description": description,
                    "content": {
                        "application/problem+json": {"schema": error},
                        "application/json": {"schema": error},
                    },
                }
                for name, description in ERROR_RESPONSES.values()
            },
        },
    }


def _problems_by_reference(operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    for status in list(responses):
        if status.startswith("2"):
            continue
        code = int(status)
        if code in ERROR_RESPONSES:
            responses[status] = {"$ref": f"#/components/responses/{ERROR_RESPONSES[code][0]}"}
        else:
            del responses[status]


def _mark_optional_body(body: dict[str, Any], schemas: dict[str, Any]) -> None:
    for content in body.get("content", {}).values():
        name = content["schema"].get("$ref", "").rsplit("/", 1)[-1]
        if name in schemas and not schemas[name].get("required"):
            body["required"] = False

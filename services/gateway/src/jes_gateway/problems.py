"""One error model for the gateway: a refusal as RFC 9457 problem details.

`from_grpc` is the only place a gRPC status becomes an HTTP status. The facades raise
`ServiceError` (a Problem) for every refused call; the API answers it as
application/problem+json, pages show it on their form or on the error page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import grpc
from flask import Response, json

from jes_grpckit import field_violations

PROBLEM_JSON = "application/problem+json"
UNAVAILABLE_MESSAGE = "服務暫時無法使用，請稍後再試"
INTERNAL_MESSAGE = "系統發生錯誤，請稍後再試"
INVALID_MESSAGE = "資料有誤，請修正後再送出"

HTTP_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 503,
}
# The problem type's short title (RFC 9457 `title`), in zh-TW.
TITLES = {
    400: "輸入資料有誤",
    401: "請先登入",
    403: "您沒有使用此功能的權限",
    404: "找不到頁面或資料",
    405: "不支援此操作",
    409: "資料狀態已改變，或不符合處理條件",
    413: "檔案過大",
    429: "嘗試次數過多，請稍後再試",
    500: INTERNAL_MESSAGE,
    501: "此功能尚未提供",
    503: UNAVAILABLE_MESSAGE,
}


@dataclass(eq=False)
class Problem(Exception):
    """What went wrong, for people (zh-TW) and programs (status, per-field messages)."""

    status: int
    detail: str
    fields: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.detail)

    @property
    def message(self) -> str:
        """What a page shows above its form."""
        return self.detail

    @property
    def title(self) -> str:
        return TITLES.get(self.status, INTERNAL_MESSAGE)

    def body(self) -> dict[str, Any]:
        """RFC 9457 members plus `error` (= detail) and `fields`, which clients read."""
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "error": self.detail,
        }
        if self.fields:
            body["fields"] = self.fields
        return body

    def response(self) -> Response:
        return Response(
            json.dumps(self.body(), ensure_ascii=False),
            status=self.status,
            mimetype=PROBLEM_JSON,
        )


class ServiceError(Problem):
    """A backend service refused or failed a call."""


def from_grpc(error: grpc.RpcError) -> ServiceError:
    """A failed service call as a problem: the service's zh-TW message and field details;
    internal failures say only that something went wrong."""
    code = error.code() if isinstance(error, grpc.Call) else grpc.StatusCode.UNKNOWN
    status = HTTP_STATUS.get(code, 500)
    if status >= 500:
        return ServiceError(status, UNAVAILABLE_MESSAGE if status == 503 else TITLES[status])
    detail = error.details() if isinstance(error, grpc.Call) else ""
    return ServiceError(status, detail or TITLES[status], field_violations(error))

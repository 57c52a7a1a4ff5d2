"""Helpers for pages with forms: a refused service call as a message plus per-field errors."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import grpc

from jes_gateway.backends import HTTP_STATUS, UNAVAILABLE_MESSAGE
from jes_grpckit import field_violations

# What a form shows again with the service's zh-TW message. Anything else (not logged
# in, internal errors) goes to the app's error handler, as on any page.
FORM_CODES = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.OUT_OF_RANGE,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.ALREADY_EXISTS,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
    }
)


@dataclass(frozen=True)
class FormProblem:
    message: str
    fields: dict[str, str] = field(default_factory=dict)
    status: int = 400


def form_problem(error: grpc.RpcError) -> FormProblem:
    """The refusal to show on the form; re-raises what a form cannot show."""
    code = error.code() if isinstance(error, grpc.Call) else None
    if code not in FORM_CODES:
        raise error
    status = HTTP_STATUS[code]
    if status == 503:
        return FormProblem(UNAVAILABLE_MESSAGE, status=503)
    message = error.details() if isinstance(error, grpc.Call) else ""
    return FormProblem(message or "資料有誤，請修正後再送出", field_violations(error), status)


def page_count(total: int, page_size: int) -> int:
    """第 N/M 頁: at least one page, even when nothing was found."""
    return max(1, math.ceil(total / page_size)) if page_size > 0 else 1


def page_number(raw: str | None) -> int:
    """A 1-based page number from the query string; anything odd is page 1."""
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1

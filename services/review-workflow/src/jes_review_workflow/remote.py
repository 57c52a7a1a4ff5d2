"""Another service's refusal, as review-workflow's own domain error."""

from __future__ import annotations

import grpc

from jes_domain import Aborted, DomainError, FailedPrecondition, InvalidArgument, NotFound
from jes_grpckit import field_violations

_PASSED_ON: dict[grpc.StatusCode, type[DomainError]] = {
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.ABORTED: Aborted,
}


def passed_on(error: grpc.RpcError) -> Exception:
    """The owning service's refusal, with its zh-TW message, as our own domain error;
    anything else (unavailable, internal) stays as it is."""
    if not isinstance(error, grpc.Call):
        return error
    kind = _PASSED_ON.get(error.code())
    if kind is None:
        return error
    return kind(error.details() or "", fields=field_violations(error))


# What the owning service says when it will never carry a decision out: the request is
# wrong for it, or the thing decided on is gone or changed. Anything else (unavailable,
# deadline, internal, a credential problem) may pass: the decision is tried again.
_FOR_GOOD = (
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
)


def refused_for_good(error: grpc.RpcError) -> DomainError | None:
    """The owning service's final refusal of a decision as our domain error, or None when
    trying again later may succeed."""
    if not isinstance(error, grpc.Call) or error.code() not in _FOR_GOOD:
        return None
    refusal = passed_on(error)
    return refusal if isinstance(refusal, DomainError) else None

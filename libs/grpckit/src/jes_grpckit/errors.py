"""How domain errors (jes_domain) become gRPC statuses, and field details read back.

Messages are zh-TW because they reach external users through the gateway unchanged.
"""

from __future__ import annotations

from typing import Any

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from jes_domain import (
    Aborted,
    AlreadyExists,
    DomainError,
    FailedPrecondition,
    Forbidden,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
)

__all__ = [
    "STATUS_CODES",
    "Aborted",
    "AlreadyExists",
    "DomainError",
    "FailedPrecondition",
    "Forbidden",
    "InvalidArgument",
    "NotFound",
    "ResourceExhausted",
    "ServiceError",
    "Unauthenticated",
    "Unavailable",
    "field_violations",
    "status_code_of",
    "status_of",
]


# The one place a domain error becomes a gRPC status.
STATUS_CODES: dict[str, grpc.StatusCode] = {
    "internal": grpc.StatusCode.INTERNAL,
    "invalid_argument": grpc.StatusCode.INVALID_ARGUMENT,
    "not_found": grpc.StatusCode.NOT_FOUND,
    "already_exists": grpc.StatusCode.ALREADY_EXISTS,
    "failed_precondition": grpc.StatusCode.FAILED_PRECONDITION,
    "aborted": grpc.StatusCode.ABORTED,
    "resource_exhausted": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "unauthenticated": grpc.StatusCode.UNAUTHENTICATED,
    "forbidden": grpc.StatusCode.PERMISSION_DENIED,
    "unavailable": grpc.StatusCode.UNAVAILABLE,
}

# The domain's names, kept here too so existing imports from jes_grpckit work.
ServiceError = DomainError


def status_code_of(error: DomainError) -> grpc.StatusCode:
    return STATUS_CODES.get(error.kind, grpc.StatusCode.INTERNAL)


def status_of(error: DomainError) -> status_pb2.Status:
    """A google.rpc.Status with the zh-TW message and BadRequest field details."""
    status = status_pb2.Status(code=status_code_of(error).value[0], message=error.message)
    if error.fields:
        details = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=f, description=d)
                for f, d in error.fields.items()
            ]
        )
        status.details.add().Pack(details)
    return status


def field_violations(error: grpc.RpcError) -> dict[str, str]:
    """The BadRequest field violations a server attached to a failed call."""
    status = rpc_status.from_call(error) if isinstance(error, grpc.Call) else None
    violations: dict[str, str] = {}
    details: list[Any] = list(status.details) if status else []
    for detail in details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations.update({v.field: v.description for v in bad_request.field_violations})
    return violations

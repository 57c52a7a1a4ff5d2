"""gRPC plumbing shared by every service: server bootstrap, interceptors, clients."""

from jes_grpckit.client import Client, ServiceTokenProvider, channel, jwks_from_identity
from jes_grpckit.errors import (
    Aborted,
    AlreadyExists,
    FailedPrecondition,
    Forbidden,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    ServiceError,
    Unauthenticated,
    Unavailable,
    field_violations,
)
from jes_grpckit.logs import configure_logging, request_id_var
from jes_grpckit.server import GrpcServer, current_claims

__all__ = [
    "Aborted",
    "AlreadyExists",
    "Client",
    "FailedPrecondition",
    "Forbidden",
    "GrpcServer",
    "InvalidArgument",
    "NotFound",
    "ResourceExhausted",
    "ServiceError",
    "ServiceTokenProvider",
    "Unauthenticated",
    "Unavailable",
    "channel",
    "configure_logging",
    "current_claims",
    "field_violations",
    "jwks_from_identity",
    "request_id_var",
]

"""gRPC plumbing shared by every service: server bootstrap, interceptors, clients."""

from jes_grpckit.client import Client, channel, jwks_from_identity
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
from jes_grpckit.policy import Caller, CallPolicy
from jes_grpckit.server import (
    GrpcServer,
    current_caller,
    current_claims,
    current_user_token,
    refusal_reason,
)
from jes_grpckit.tls import PeerIdentity, TlsIdentity

__all__ = [
    "Aborted",
    "AlreadyExists",
    "CallPolicy",
    "Caller",
    "Client",
    "FailedPrecondition",
    "Forbidden",
    "GrpcServer",
    "InvalidArgument",
    "NotFound",
    "PeerIdentity",
    "ResourceExhausted",
    "ServiceError",
    "TlsIdentity",
    "Unauthenticated",
    "Unavailable",
    "channel",
    "configure_logging",
    "current_caller",
    "current_claims",
    "current_user_token",
    "field_violations",
    "jwks_from_identity",
    "refusal_reason",
    "request_id_var",
]

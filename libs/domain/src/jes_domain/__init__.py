"""What every service's domain layer shares, and nothing that knows a transport.

Domain rules and use cases raise these errors; the gRPC layer maps each kind to a status
in one place (`jes_grpckit.errors`), so a rule can be tested without a server.
"""

from jes_domain.errors import (
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
    "Aborted",
    "AlreadyExists",
    "DomainError",
    "FailedPrecondition",
    "Forbidden",
    "InvalidArgument",
    "NotFound",
    "ResourceExhausted",
    "Unauthenticated",
    "Unavailable",
]

"""Neutral errors of the domain layer: what went wrong, in zh-TW, and which fields.

Messages are zh-TW because they reach external users (through the gateway) unchanged;
`fields` maps a request field name to what is wrong with it.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal a rule or use case gives; `kind` names it for transports."""

    kind = "internal"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidArgument(DomainError):
    """The request itself is wrong (a field missing, malformed or out of range)."""

    kind = "invalid_argument"


class NotFound(DomainError):
    """No such thing, or not one the caller may know of."""

    kind = "not_found"


class AlreadyExists(DomainError):
    kind = "already_exists"


class FailedPrecondition(DomainError):
    """The request is valid but the state forbids it (e.g. editing an approved set)."""

    kind = "failed_precondition"


class Aborted(DomainError):
    """A concurrent change won (optimistic locking); the caller should reload and retry."""

    kind = "aborted"


class ResourceExhausted(DomainError):
    """Too many attempts, or over a limit."""

    kind = "resource_exhausted"


class Unauthenticated(DomainError):
    kind = "unauthenticated"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    kind = "forbidden"


class Unavailable(DomainError):
    """Something this depends on is away for now (another service, the object store);
    the caller may retry."""

    kind = "unavailable"

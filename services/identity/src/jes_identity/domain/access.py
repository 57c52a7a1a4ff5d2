"""Who may do what. `Caller` is what a verified token says (jes_auth.Claims fits it);
refusals are jes_domain errors with the messages callers have always seen."""

from __future__ import annotations

import hmac
from collections.abc import Set
from typing import Protocol

from jes_auth import OUTSIDE_COURT, roles_required
from jes_config import SERVICES
from jes_domain import Forbidden

# Who may ask for a service token: the JES services, the gateway, and the courts' own
# systems (in production these also present a client certificate: mutual TLS).
SERVICE_CLIENTS = frozenset([*SERVICES, "gateway", "court-system"])
COURT_STAFF_ROLES = ("admin", "clerk")


class Caller(Protocol):
    @property
    def subject(self) -> str: ...
    @property
    def roles(self) -> Set[str]: ...
    @property
    def court_code(self) -> str: ...
    @property
    def is_service(self) -> bool: ...


def has_role(caller: Caller, *roles: str) -> bool:
    return bool(set(caller.roles).intersection(roles))


def require_role(caller: Caller, *roles: str) -> None:
    """Services pass; a user needs one of `roles`."""
    if not (caller.is_service or has_role(caller, *roles)):
        raise Forbidden(f"權限不足：{roles_required(*roles)}")


def require_court(caller: Caller, court_code: str) -> None:
    """Court staff act only within their own court; services and admins anywhere."""
    if caller.is_service or has_role(caller, "admin"):
        return
    if caller.court_code != court_code:
        raise Forbidden(f"權限不足：{OUTSIDE_COURT}")


def require_court_staff(caller: Caller, court_code: str) -> None:
    """Listing a court's staff: that court's clerks and admins, and services."""
    require_court(caller, court_code)
    require_role(caller, *COURT_STAFF_ROLES)


def application_court_scope(caller: Caller, requested_court: str) -> str:
    """Which court's applications the caller may list ("" = every court). Clerks see
    their own court's; services and admins any (or all)."""
    require_role(caller, *COURT_STAFF_ROLES)
    if caller.is_service or has_role(caller, "admin"):
        return requested_court
    court_code = requested_court or caller.court_code
    if not court_code:
        raise Forbidden("權限不足：帳號未設定所屬法院")
    require_court(caller, court_code)
    return court_code


def require_decision_channel(caller: Caller) -> None:
    """A court decides an application through review-workflow (which keeps the audit
    trail of the decision and calls with its service token), never directly."""
    if not caller.is_service:
        raise Forbidden("權限不足：法院的決定須經審核流程辦理")


def require_service(caller: Caller) -> None:
    """Account details of anyone (GetAccount): only for other services."""
    if not caller.is_service:
        raise Forbidden("權限不足：僅限系統服務呼叫")


def require_user(caller: Caller) -> None:
    """Personal account maintenance: a person's own account, never a service's."""
    if caller.is_service:
        raise Forbidden("權限不足：此功能僅限使用者帳號")


def is_service_client(service_name: str, secret: str, expected_secret: str) -> bool:
    """A known service presenting the shared secret (compared in constant time)."""
    known = service_name in SERVICE_CLIENTS
    return known and hmac.compare_digest(secret, expected_secret)

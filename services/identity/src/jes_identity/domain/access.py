"""Who may do what, within what an RPC's declared callers already let through
(jes.options.v1.callers in the contract). `Caller` is who acts (jes_auth.Claims fits it:
the forwarded user, or the calling service itself); refusals are jes_domain errors with
the messages callers have always seen."""

from __future__ import annotations

from collections.abc import Set
from typing import Protocol

from jes_auth import OUTSIDE_COURT, roles_required
from jes_domain import Forbidden

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
    @property
    def display_id(self) -> str: ...


def has_role(caller: Caller, *roles: str) -> bool:
    return bool(set(caller.roles).intersection(roles))


def require_role(caller: Caller, *roles: str) -> None:
    """A person with one of `roles` (a service acting as itself has none)."""
    if not has_role(caller, *roles):
        raise Forbidden(f"權限不足：{roles_required(*roles)}")


def require_court(caller: Caller, court_code: str) -> None:
    """Court staff act only within their own court; admins anywhere."""
    if has_role(caller, "admin"):
        return
    if caller.is_service or caller.court_code != court_code:
        raise Forbidden(f"權限不足：{OUTSIDE_COURT}")


def require_court_staff(caller: Caller, court_code: str) -> None:
    """Listing a court's staff: that court's clerks and admins, and the services its
    contract names (notification, to mail a court's clerks)."""
    if caller.is_service:
        return
    require_court(caller, court_code)
    require_role(caller, *COURT_STAFF_ROLES)


def application_court_scope(caller: Caller, requested_court: str) -> str:
    """Which court's applications the caller may list ("" = every court). Clerks see
    their own court's; admins any (or all)."""
    require_role(caller, *COURT_STAFF_ROLES)
    if has_role(caller, "admin"):
        return requested_court
    court_code = requested_court or caller.court_code
    if not court_code:
        raise Forbidden("權限不足：帳號未設定所屬法院")
    require_court(caller, court_code)
    return court_code


def require_decider(caller: Caller, court_code: str) -> None:
    """A court's decision is a person's: a clerk of that court, or an admin (the one whose
    token review-workflow exchanges for a decision grant, or who the grant names); no
    service decides as itself."""
    if caller.is_service or not has_role(caller, *COURT_STAFF_ROLES):
        raise Forbidden("權限不足：法院的決定須經審核流程辦理")
    require_court(caller, court_code)


def require_bound_court(bound_court: str, court_code: str) -> None:
    """A decision grant is for its court's applications only."""
    if bound_court != court_code:
        raise Forbidden("權限不足：審核決定的授權不屬於此案件的法院")


def require_service(caller: Caller) -> None:
    """Account details of anyone (GetAccount): only for other services."""
    if not caller.is_service:
        raise Forbidden("權限不足：僅限系統服務呼叫")


# The one service that may have a one-time link's raw token (IssuePasswordLink): it puts
# it into the mail and nowhere else.
PROGRESS_ACCOUNT_OPENER = "case-sync"


def require_progress_account_opener(caller: Caller) -> None:
    """OpenProgressAccount: case-sync's service identity only (a court approved a follow)."""
    if not (caller.is_service and caller.subject == PROGRESS_ACCOUNT_OPENER):
        raise Forbidden("權限不足：僅限案件進度服務開立案件進度查詢帳號")


LINK_MAILER = "notification"


def require_link_mailer(caller: Caller) -> None:
    """IssuePasswordLink: notification's service identity only."""
    if not (caller.is_service and caller.subject == LINK_MAILER):
        raise Forbidden("權限不足：僅限通知服務取得一次性連結")


def require_user(caller: Caller) -> None:
    """Personal account maintenance: a person's own account, never a service's."""
    if caller.is_service:
        raise Forbidden("權限不足：此功能僅限使用者帳號")

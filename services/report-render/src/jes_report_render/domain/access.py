"""Who may render and read reports: services render (admins too, for re-renders); a
report's link goes to services, admins, the clerks of its court and the firm it belongs
to, and to no one else (not even a hint that it exists)."""

from __future__ import annotations

from dataclasses import dataclass

from jes_auth import Claims
from jes_domain import NotFound
from jes_report_render.domain.reports import NOT_FOUND


@dataclass(frozen=True)
class Owner:
    account_id: str  # the firm account's id (its tokens' subject); "" = unknown
    court_code: str


def require_renderer(claims: Claims) -> None:
    claims.require_role("admin")  # services only (admins for re-renders)


def require_reader(claims: Claims) -> None:
    claims.require_role("admin", "clerk", "firm")


def may_read(claims: Claims, owner: Owner) -> bool:
    if claims.is_service or claims.has_role("admin"):
        return True
    if claims.has_role("clerk") and owner.court_code and claims.court_code == owner.court_code:
        return True
    return bool(claims.has_role("firm") and owner.account_id == claims.subject)


def require_report_reader(claims: Claims, owner: Owner) -> None:
    """NotFound (like a report that does not exist) unless `claims` may read it."""
    if not may_read(claims, owner):
        raise NotFound(NOT_FOUND)

"""Who may render and read reports: photo-storage, as itself, after it has checked the
person's access to the set (the contract lets no one else call report-render). A
report's link goes to services, admins, the clerks of its court and the firm it belongs
to, and to no one else (not even a hint that it exists): a second check, should a
person's token ever reach report-render."""

from __future__ import annotations

from dataclasses import dataclass

from jes_auth import Claims, PermissionDenied, roles_required
from jes_domain import NotFound
from jes_report_render.domain.reports import NOT_FOUND


@dataclass(frozen=True)
class Owner:
    account_id: str  # the firm account's id (its tokens' subject); "" = unknown
    court_code: str


def require_renderer(claims: Claims) -> None:
    if not claims.is_service:
        raise PermissionDenied("照片報告只由照片服務製作")


def require_form_renderer(claims: Claims) -> None:
    """A form is printed for a module acting as itself (the gateway, for the applicant
    it has checked), never on a person's token alone."""
    if not claims.is_service:
        raise PermissionDenied("聲請表只由系統服務製作")


def require_reader(claims: Claims) -> None:
    if not (claims.is_service or claims.has_role("admin", "clerk", "firm")):
        raise PermissionDenied(roles_required("admin", "clerk", "firm"))


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

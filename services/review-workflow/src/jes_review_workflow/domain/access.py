"""Who may see and decide what: the court's review belongs to that court's clerks (and
admins); another court's submission or application is not found rather than refused."""

from __future__ import annotations

from jes_auth import Claims
from jes_domain import Forbidden

NO_COURT = "權限不足：帳號未設定所屬法院"


def require_court_staff(claims: Claims) -> None:
    """Listing and reading the queue: clerks and admins."""
    claims.require_role("clerk", "admin")


def require_reason_reader(claims: Claims) -> None:
    claims.require_role("clerk", "judge", "admin")


def require_reviewer(claims: Claims) -> None:
    """Decisions are a person's: a clerk (of the court concerned) or an admin."""
    if claims.is_service or not claims.has_role("clerk", "admin"):
        raise Forbidden("權限不足：只有法院書記官或系統管理者可以審核")


def listed_court(claims: Claims, court_code: str) -> str:
    """The court a listing covers: a clerk's own ("" = own, another is refused); admins
    any ("" = every court)."""
    court_code = court_code.strip().upper()
    if claims.has_role("admin"):
        return court_code
    if not claims.court_code:
        raise Forbidden(NO_COURT)
    claims.require_court(court_code or claims.court_code)
    return claims.court_code


def may_see(claims: Claims, court_code: str) -> bool:
    return claims.has_role("admin") or claims.court_code == court_code


def application_court(claims: Claims) -> str:
    """The court whose firm applications a reviewer may decide ("" = any, for an admin)."""
    if claims.has_role("admin"):
        return ""
    if not claims.court_code:
        raise Forbidden(NO_COURT)
    return claims.court_code

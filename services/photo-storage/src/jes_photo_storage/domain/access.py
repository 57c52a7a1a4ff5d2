"""Who may see or change a photo set.

Firms change their own sets, in their own court. Firms read their own sets, clerks their
court's, admins every set. A court's decision is applied for the clerk (of the set's court)
or admin named by the decision grant review-workflow presents (the contract lets only
review-workflow call; the grant is identity's, bound to that one decision). Someone
else's set is reported as missing: its existence is not theirs to know.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from jes_auth import Claims
from jes_domain import Forbidden


class OwnedSet(Protocol):
    @property
    def firm_account_id(self) -> str: ...

    @property
    def court_code(self) -> str: ...


def require_firm(claims: Claims) -> Claims:
    """Only firms change photo sets (not clerks, not services)."""
    if claims.is_service or not claims.has_role("firm"):
        raise Forbidden("只有鑑估價公司可以維護照片")
    return claims


def require_reader(claims: Claims) -> Claims:
    """Firms, court staff and admins read sets (which ones: may_read)."""
    if claims.is_service or not claims.has_role("firm", "clerk", "admin"):
        raise Forbidden("無權查詢照片")
    return claims


def require_reviewer(claims: Claims) -> None:
    """A court's decision is a person's: a clerk or an admin, never a service on its own."""
    if claims.is_service or not claims.has_role("clerk", "admin"):
        raise Forbidden("只有法院書記官或系統管理者可以登錄審核結果")


def require_reviewer_of(claims: Claims, court_code: str) -> None:
    """... and a clerk decides for their own court only."""
    if not claims.has_role("admin") and claims.court_code != court_code:
        raise Forbidden("只能審核所屬法院的案件")


def require_decision_court(decided_for: str, court_code: str) -> None:
    """A decision (its grant) is for one court's sets only."""
    if decided_for != court_code:
        raise Forbidden("權限不足：審核決定的授權不屬於此案件的法院")


def require_own_court(claims: Claims, court_code: str) -> None:
    """A firm opens (or looks up) sets of its own court only."""
    if court_code != claims.court_code:
        raise Forbidden("只能查詢或新增所屬法院的案件")


def owns(claims: Claims, photo_set: OwnedSet) -> bool:
    return photo_set.firm_account_id == claims.subject and photo_set.court_code == (
        claims.court_code
    )


def may_read(claims: Claims, photo_set: OwnedSet) -> bool:
    if claims.has_role("admin"):
        return True
    if claims.has_role("clerk"):
        return photo_set.court_code == claims.court_code
    return owns(claims, photo_set)


@dataclass(frozen=True)
class ListScope:
    """Which sets a list shows: None = any court / any firm."""

    court_code: str | None
    firm_account_id: str | None = None


def list_scope(claims: Claims, court_code: str) -> ListScope:
    """What a reader's list holds; `court_code` is the court asked for ("" = any)."""
    if claims.has_role("admin"):
        return ListScope(court_code or None)
    if claims.has_role("clerk"):
        if court_code and court_code != claims.court_code:
            raise Forbidden("只能查詢所屬法院的案件")
        return ListScope(claims.court_code)
    return ListScope(claims.court_code, claims.subject)

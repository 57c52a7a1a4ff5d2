"""Who may render and read reports: photo-storage, as itself, after it has checked the
person's access to the set (the contract lets no one else call report-render)."""

from __future__ import annotations

from jes_auth import Claims, PermissionDenied


def require_renderer(claims: Claims) -> None:
    if not claims.is_service:
        raise PermissionDenied("reports are rendered for photo-storage only")


def require_reader(claims: Claims) -> None:
    if not (claims.is_service or claims.has_role("admin", "clerk", "firm")):
        raise PermissionDenied("requires one of the roles admin, clerk, firm")

"""Who may render and read reports: photo-storage, as itself, after it has checked the
person's access to the set (the contract lets no one else call report-render)."""

from __future__ import annotations

from jes_auth import Claims, PermissionDenied, roles_required


def require_renderer(claims: Claims) -> None:
    if not claims.is_service:
        raise PermissionDenied("照片報告只由照片服務製作")


def require_reader(claims: Claims) -> None:
    if not (claims.is_service or claims.has_role("admin", "clerk", "firm")):
        raise PermissionDenied(roles_required("admin", "clerk", "firm"))

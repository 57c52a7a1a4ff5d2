"""Who may call what: court systems push progress and register followers; admins may
also read progress."""

from __future__ import annotations

from jes_auth import Claims


def require_court_system(claims: Claims) -> None:
    claims.require_role("court-system")


def require_progress_reader(claims: Claims) -> None:
    claims.require_role("court-system", "admin")

"""Who may render and read reports: services render (admins too, for re-renders); the
people who work with a report read it."""

from __future__ import annotations

from jes_auth import Claims


def require_renderer(claims: Claims) -> None:
    claims.require_role("admin")  # services only (admins for re-renders)


def require_reader(claims: Claims) -> None:
    claims.require_role("admin", "clerk", "firm")

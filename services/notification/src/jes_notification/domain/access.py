"""Who may read the delivery log: admins (operators)."""

from __future__ import annotations

from jes_auth import Claims


def require_operator(claims: Claims) -> None:
    claims.require_role("admin")

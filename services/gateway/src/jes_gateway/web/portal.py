"""會員專區 (seed 001's dashboard after login): who is logged in, the last successful login
and the failures since, and the systems this account may use, each one click away."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from jes_gateway.context import gateway
from jes_gateway.presentation.systems import systems_for
from jes_gateway.web.session import login_required, require_user

bp = Blueprint("portal", __name__)

ROLE_NAMES = {
    "firm": "鑑估價公司",
    "clerk": "法院人員",
    "judge": "法官",
    "admin": "系統管理者",
    "citizen": "民眾",
    "lawyer": "律師",
    "prosecutor": "檢察官",
}


def existing_pages() -> set[str]:
    """Paths this gateway serves (a system whose page is elsewhere is not linked yet)."""
    return {rule.rule for rule in current_app.url_map.iter_rules()}


@bp.get("/portal")
@login_required()
def dashboard() -> Any:
    user = require_user()
    history = gateway().services.identity.my_login_records(user.token, limit=10)
    return render_template(
        "portal/dashboard.html",
        roles=[ROLE_NAMES.get(role, role) for role in user.roles],
        history=history,
        systems=systems_for(user.roles, existing_pages()),
    )

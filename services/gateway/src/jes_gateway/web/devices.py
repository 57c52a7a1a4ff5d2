"""登入裝置: the signed-in person's active sessions (time, address, browser), signing one
out, and 登出所有裝置 (every session, this one too)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for

from jes_gateway.context import gateway
from jes_gateway.presentation.sessions import session_row
from jes_gateway.problems import Problem
from jes_gateway.web.session import login_required, require_user, sign_out

bp = Blueprint("devices", __name__)


@bp.get("/account/sessions")
@login_required()
def sessions() -> Any:
    user = require_user()
    rows = [session_row(info) for info in gateway().services.identity.my_sessions(user.token)]
    return render_template("account/sessions.html", sessions=rows)


@bp.post("/account/sessions/<session_id>/end")
@login_required()
def end_one(session_id: str) -> Any:
    user = require_user()
    try:
        gateway().services.identity.end_my_sessions(user.token, session_id=session_id)
    except Problem as error:
        if error.status != 404:
            raise
        flash("此裝置已登出。", "info")
        return redirect(url_for("devices.sessions"))
    flash("已登出該裝置。", "ok")
    return redirect(url_for("devices.sessions"))


@bp.post("/account/sessions/end-all")
@login_required()
def end_all() -> Any:
    user = require_user()
    ended = gateway().services.identity.end_my_sessions(user.token, everywhere=True)
    sign_out()  # this session ended with the others
    flash(f"已登出所有裝置（共 {ended} 個），請重新登入。", "ok")
    return redirect(url_for("auth.login"))

"""Login and logout pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for

from jes_gateway.context import gateway
from jes_gateway.limits import login_limiter
from jes_gateway.problems import Problem
from jes_gateway.ratelimit import current_client
from jes_gateway.web.session import (
    current_user,
    home_for,
    safe_next,
    sign_in,
    sign_out,
    user_agent,
)
from jes_zhtw import COURTS

bp = Blueprint("auth", __name__)
IDLE_LOGGED_OUT = "閒置過久，已自動登出，請重新登入"


@bp.get("/login")
def login() -> Any:
    user = current_user()
    if user is not None:
        return redirect(home_for(user))
    return render_template("login.html", courts=COURTS, form={}, error=None)


@bp.post("/login")
def login_submit() -> Any:
    login_limiter.check("login")
    form = {
        "court_code": request.form.get("court_code", ""),
        "account_id": request.form.get("account_id", "").strip().upper(),
    }
    try:
        reply = gateway().services.identity.login(
            form["account_id"], request.form.get("password", ""), current_client(), user_agent()
        )
    except Problem as error:
        return render_template(
            "login.html", courts=COURTS, form=form, error=error.detail or "登入失敗"
        ), 400
    if form["court_code"] and reply.account.court_code not in ("", form["court_code"]):
        return render_template(
            "login.html", courts=COURTS, form=form, error="此帳號不屬於所選的法院"
        ), 400
    user = sign_in(reply)
    return redirect(safe_next(request.args.get("next")) or home_for(user))


@bp.post("/logout")
def logout() -> Any:
    sign_out()
    return redirect(url_for("pages.home"))


# -- the page script's questions about the session (static/session.js) -----------------


@bp.get("/session/status")
def session_status() -> Any:
    """How long the session has without activity (asking is no activity: another tab may
    have kept it alive). `active: false` once it ended."""
    user = current_user()
    if user is None:
        return jsonify(active=False, seconds_left=0)
    return jsonify(active=True, seconds_left=user.seconds_left)


@bp.post("/session/extend")
def session_extend() -> Any:
    """「繼續使用」: the session counts this as activity (current_user touches it)."""
    user = current_user()
    if user is None:
        return jsonify(active=False, seconds_left=0), 401
    return jsonify(active=True, seconds_left=user.seconds_left)


@bp.post("/session/expired")
def session_expired() -> Any:
    """The page script's timer ran out: end the session here (the login page must not
    count as activity) and log in again, then back to the page."""
    sign_out()
    flash(IDLE_LOGGED_OUT, "info")
    return redirect(url_for("auth.login", next=safe_next(request.form.get("next"))))

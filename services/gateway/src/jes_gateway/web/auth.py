"""Login and logout pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from jes_gateway.context import gateway
from jes_gateway.limits import login_limiter
from jes_gateway.problems import Problem
from jes_gateway.ratelimit import current_client
from jes_gateway.web.session import current_user, home_for, safe_next, sign_in, sign_out
from jes_zhtw import COURTS

bp = Blueprint("auth", __name__)


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
            form["account_id"], request.form.get("password", ""), current_client()
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

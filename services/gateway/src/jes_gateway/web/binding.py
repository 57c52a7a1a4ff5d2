"""帳號綁定: bind the signed-in account to a case-progress account (案件進度查詢帳號), or a
case-progress account to a portal account, proving the other by its password or by the
code mailed to its address; unbind."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from jes_gateway.context import gateway
from jes_gateway.presentation.roc import roc_datetime
from jes_gateway.problems import Problem
from jes_gateway.ratelimit import current_client
from jes_gateway.web.forms import form_problem
from jes_gateway.web.session import login_required, require_user

bp = Blueprint("binding", __name__)


def binding_page(form: dict[str, str], problem: Problem | None = None, sent_to: str = "") -> Any:
    user = require_user()
    bindings = [
        {
            "portal": f"{b.portal_display_name}（{b.portal_account_id}）",
            "progress": f"{b.progress_display_name}（{b.progress_account_id}）",
            "other": b.progress_account_id
            if b.portal_account_id == user.account_id
            else b.portal_account_id,
            "bound_at": roc_datetime(b.bound_at),
        }
        for b in gateway().services.identity.my_bindings(user.token)
    ]
    page = render_template(
        "account/binding.html",
        bindings=bindings,
        is_progress=user.has_role("progress"),
        form=form,
        problem=problem,
        errors=problem.fields if problem else {},
        sent_to=sent_to,
    )
    return (page, problem.status) if problem else page


def shown(error: Problem) -> Problem:
    """No such account to bind is said on the form too."""
    return error if error.status == 404 else form_problem(error)


def typed() -> dict[str, str]:
    return {"account_id": request.form.get("account_id", "").strip().upper()}


@bp.get("/account/binding")
@login_required()
def binding() -> Any:
    return binding_page({})


@bp.post("/account/binding/code")
@login_required()
def send_code() -> Any:
    user, form = require_user(), typed()
    try:
        sent = gateway().services.identity.send_binding_code(user.token, form["account_id"])
    except Problem as error:
        return binding_page(form, shown(error))
    return binding_page(form, sent_to=sent.email)


@bp.post("/account/binding")
@login_required()
def bind() -> Any:
    user, form = require_user(), typed()
    try:
        bound = gateway().services.identity.bind_account(
            user.token,
            form["account_id"],
            password=request.form.get("password", ""),
            code=request.form.get("code", "").strip(),
            client=current_client(),
        )
    except Problem as error:
        return binding_page(form, shown(error))
    flash(f"已綁定 {bound.portal_account_id} 與 {bound.progress_account_id}。", "ok")
    return redirect(url_for("binding.binding"))


@bp.post("/account/binding/unbind")
@login_required()
def unbind() -> Any:
    user, form = require_user(), typed()
    try:
        gateway().services.identity.unbind_account(user.token, form["account_id"])
    except Problem as error:
        if error.status != 404:
            raise
        flash("這兩個帳號已沒有綁定。", "info")
        return redirect(url_for("binding.binding"))
    flash(f"已解除與 {form['account_id']} 的綁定。", "ok")
    return redirect(url_for("binding.binding"))

"""Single sign-on pages: judges through the courts' provider, prosecutors through the
justice ministry's single window (OpenID Connect; identity does the protocol).

The gateway only sends the browser to the provider and takes it back: identity makes
the state, nonce and PKCE verifier and checks them; the state is also kept in this
browser's session, so a callback started in another browser (login CSRF) is refused."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from jes_gateway.context import gateway
from jes_gateway.limits import login_limiter
from jes_gateway.presentation.courts import court_name
from jes_gateway.problems import Problem
from jes_gateway.ratelimit import current_client
from jes_gateway.web.auth import login_page
from jes_gateway.web.forms import form_problem
from jes_gateway.web.session import (
    home_for,
    login_required,
    require_user,
    safe_next,
    sign_in,
    user_agent,
)

bp = Blueprint("sso", __name__)
log = logging.getLogger("jes.gateway.sso")

FLOW_KEY = "sso_flow"  # the started sign-in, in the browser's (signed) session
CANCELLED = "單一登入未完成，請重新登入"


@bp.app_context_processor
def _providers() -> dict[str, Any]:
    return {"sign_in_providers": sign_in_providers}


def sign_in_providers() -> list[Any]:
    """The login page's single sign-on buttons; none when identity cannot say."""
    try:
        return gateway().services.identity.sign_in_providers()
    except Problem:
        log.warning("identity did not list the sign-in providers", exc_info=True)
        return []


def _callback_url(provider: str) -> str:
    public_url = gateway().config.platform.public_url.rstrip("/")
    return public_url + url_for("sso.callback", provider=provider)


def _login_page(error: str, status: int) -> Any:
    """The login page with the refusal above it, as a refused password login shows it."""
    return login_page({}, Problem(status, error))


@bp.get("/login/sso/<provider>")
def start(provider: str) -> Any:
    login_limiter.check("login")
    try:
        begun = gateway().services.identity.begin_provider_sign_in(
            provider, _callback_url(provider)
        )
    except Problem as error:
        return _login_page(error.detail or CANCELLED, error.status)
    session[FLOW_KEY] = {
        "provider": provider,
        "state": begun.state,
        "next": safe_next(request.args.get("next")) or "",
    }
    return redirect(begun.authorization_url)


@bp.get("/login/sso/<provider>/callback")
def callback(provider: str) -> Any:
    login_limiter.check("login")
    flow = session.pop(FLOW_KEY, None) or {}
    if request.args.get("error"):  # e.g. the person cancelled at the provider
        return _login_page(CANCELLED, 400)
    try:
        reply = gateway().services.identity.complete_provider_sign_in(
            provider,
            state=request.args.get("state", ""),
            session_state=flow.get("state", "") if flow.get("provider") == provider else "",
            code=request.args.get("code", ""),
            client_address=current_client(),
            user_agent=user_agent(),
        )
    except Problem as error:
        reasons = "；".join(error.fields.values())
        message = f"{error.detail}：{reasons}" if reasons else error.detail
        return _login_page(message or CANCELLED, error.status if error.status < 500 else 503)
    user = sign_in(reply.login)
    if reply.email_needed:
        if reply.first_visit:
            flash("已為您建立帳號，請填寫電子郵件完成註冊", "success")
        return redirect(url_for("sso.email"))
    return redirect(flow.get("next") or home_for(user))


def email_page(problem: Problem | None = None, form: dict[str, str] | None = None) -> Any:
    """The judge's (or prosecutor's) registration: name, directory account and court from
    the sign-in; the e-mail address is theirs to give, used once its mailed code is in."""
    account = gateway().services.identity.my_account(require_user().token)
    page = render_template(
        "sso/email.html",
        account=account,
        court_name=court_name,
        problem=problem,
        errors=problem.fields if problem else {},
        form=form or {},
    )
    return (page, problem.status) if problem else page


@bp.get("/account/sign-in-email")
@login_required("judge", "prosecutor")
def email() -> Any:
    return email_page()


@bp.post("/account/sign-in-email")
@login_required("judge", "prosecutor")
def email_submit() -> Any:
    """Send the 6-digit code to the address (identity's e-mail change: a code to the new
    address, the address used only once the code is entered)."""
    form = {"email": request.form.get("email", "").strip()}
    try:
        sent = gateway().services.identity.request_email_change(require_user().token, form["email"])
    except Problem as error:
        return email_page(form_problem(error), form)
    flash(f"認證碼已寄至 {sent.email}，請於 10 分鐘內輸入", "success")
    return redirect(url_for("sso.email"))


@bp.post("/account/sign-in-email/confirm")
@login_required("judge", "prosecutor")
def email_confirm() -> Any:
    code = request.form.get("code", "").strip()
    try:
        gateway().services.identity.confirm_email_change(require_user().token, code)
    except Problem as error:
        return email_page(form_problem(error))
    flash("已完成註冊，之後可直接以單一登入進入本系統", "success")
    return redirect(url_for("account.profile"))  # the account page shows what was kept

"""Account pages: set a password from a mailed link, forgot password / account id, and
personal account maintenance (個人帳號維護, 維護密碼)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from jes.identity.v1 import identity_pb2
from jes_config.sign_in import NAME_FROM_DIRECTORY, PASSWORD_AT_PROVIDER
from jes_gateway.context import gateway
from jes_gateway.limits import (
    ACCOUNT_ID_SENT,
    RESET_SENT,
    mail_request_limiter,
    set_password_limiter,
)
from jes_gateway.presentation.courts import court_name
from jes_gateway.problems import Problem
from jes_gateway.web.forms import form_problem, invalid
from jes_gateway.web.session import login_required, require_user

bp = Blueprint("account", __name__)

MISMATCH = "兩次輸入的新密碼不一致"
PENDING_EMAIL = "認證碼已寄到新的電子郵件 {email}：請於 10 分鐘內輸入，輸入後才會改用新信箱。"


def password_page(template: str, problem: Problem | None = None, **values: Any) -> Any:
    # identity's policy, as identity enforces it: shown so people get it right first time.
    policy = gateway().services.identity.password_policy()
    page = render_template(
        template,
        policy=policy,
        rules=list(policy.rules),
        symbols=policy.symbols,
        problem=problem,
        errors=problem.fields if problem else {},
        **values,
    )
    return (page, problem.status) if problem else page


# -- set a password from the activation or reset link -------------------------------------


@bp.get("/password/set")
def set_password() -> Any:
    token = request.args.get("token", "")
    return password_page("account/set_password.html", token=token)


@bp.post("/password/set")
def set_password_submit() -> Any:
    set_password_limiter.check("set-password")
    token = request.form.get("token", "")
    new_password = request.form.get("new_password", "")
    if new_password != request.form.get("confirm_password", ""):
        problem = invalid({"confirm_password": MISMATCH})
        return password_page("account/set_password.html", problem, token=token)
    try:
        reply = gateway().services.identity.set_password(token, new_password)
    except Problem as error:
        return password_page("account/set_password.html", form_problem(error), token=token)
    flash(f"密碼已設定完成，請以帳號 {reply.account_id} 及新密碼登入。", "ok")
    return redirect(url_for("auth.login"))


# -- forgot password, forgot account id ----------------------------------------------------


@bp.get("/password/forgot")
def forgot_password() -> Any:
    return render_template("account/forgot_password.html", form={}, errors={}, problem=None)


@bp.post("/password/forgot")
def forgot_password_submit() -> Any:
    mail_request_limiter.check("password-reset")
    form = {
        "account_id": request.form.get("account_id", "").strip().upper(),
        "email": request.form.get("email", "").strip(),
    }
    try:
        gateway().services.identity.request_password_reset(**form)
    except Problem as error:
        problem = form_problem(error)
        return render_template(
            "account/forgot_password.html", form=form, errors=problem.fields, problem=problem
        ), problem.status
    return render_template(
        "account/forgot_password.html", form={}, errors={}, problem=None, sent=RESET_SENT
    )


@bp.get("/account/forgot-id")
def forgot_account_id() -> Any:
    return render_template("account/forgot_id.html", form={}, errors={}, problem=None)


@bp.post("/account/forgot-id")
def forgot_account_id_submit() -> Any:
    mail_request_limiter.check("account-id-reminder")
    form = {"email": request.form.get("email", "").strip()}
    try:
        gateway().services.identity.remind_account_id(**form)
    except Problem as error:
        problem = form_problem(error)
        return render_template(
            "account/forgot_id.html", form=form, errors=problem.fields, problem=problem
        ), problem.status
    return render_template(
        "account/forgot_id.html", form={}, errors={}, problem=None, sent=ACCOUNT_ID_SENT
    )


# -- personal account maintenance ----------------------------------------------------------


def profile_page(
    account: identity_pb2.Account, form: dict[str, str], problem: Problem | None = None
) -> str:
    court = court_name(account.court_code)
    return render_template(
        "account/profile.html",
        name_from_directory=NAME_FROM_DIRECTORY,
        account=account,
        court=court,
        form=form,
        errors=problem.fields if problem else {},
        problem=problem,
    )


@bp.get("/account")
@login_required()
def profile() -> Any:
    user = require_user()
    account = gateway().services.identity.my_account(user.token)
    return profile_page(account, profile_form(account))


def profile_form(account: identity_pb2.Account) -> dict[str, str]:
    return {
        "display_name": account.display_name,
        "email": account.email,
        "phone": account.phone,
        "contact_person": account.contact_person,
    }


@bp.post("/account")
@login_required()
def profile_submit() -> Any:
    user = require_user()
    form = {
        name: request.form.get(name, "").strip()
        for name in ("display_name", "email", "phone", "contact_person")
    }
    identity = gateway().services.identity
    try:
        account = identity.update_my_account(user.token, **form)
    except Problem as error:
        problem = form_problem(error)
        account = identity.my_account(user.token)
        return profile_page(account, form, problem), problem.status
    flash("個人帳號資料已存檔。", "ok")
    if account.pending_email:
        flash(PENDING_EMAIL.format(email=account.pending_email), "info")
    return redirect(url_for("account.profile"))


@bp.post("/account/email/confirm")
@login_required()
def confirm_email() -> Any:
    """The code mailed to the new address: from now on the account uses it."""
    user = require_user()
    identity = gateway().services.identity
    try:
        account = identity.confirm_email_change(user.token, request.form.get("code", "").strip())
    except Problem as error:
        problem = form_problem(error)
        account = identity.my_account(user.token)
        page = profile_page(account, profile_form(account), problem)
        return page, problem.status
    flash(f"電子郵件已變更為 {account.email}，並已通知原信箱。", "ok")
    return redirect(url_for("account.profile"))


@bp.post("/account/email/resend")
@login_required()
def resend_email_code() -> Any:
    user = require_user()
    identity = gateway().services.identity
    account = identity.my_account(user.token)
    try:
        identity.request_email_change(user.token, account.pending_email)
    except Problem as error:
        problem = form_problem(error)
        return profile_page(account, profile_form(account), problem), problem.status
    flash(PENDING_EMAIL.format(email=account.pending_email), "info")
    return redirect(url_for("account.profile"))


@bp.get("/account/password")
@login_required()
def change_password() -> Any:
    return change_password_page()


def change_password_page(problem: Problem | None = None) -> Any:
    # a single sign-on account is told where its password is (identity refuses a change)
    return password_page(
        "account/change_password.html", problem, password_at_provider=PASSWORD_AT_PROVIDER
    )


@bp.post("/account/password")
@login_required()
def change_password_submit() -> Any:
    user = require_user()
    new_password = request.form.get("new_password", "")
    if new_password != request.form.get("confirm_password", ""):
        problem = invalid({"confirm_password": MISMATCH})
        return change_password_page(problem)
    try:
        gateway().services.identity.change_password(
            user.token, request.form.get("current_password", ""), new_password
        )
    except Problem as error:
        return change_password_page(form_problem(error))
    flash("密碼已變更，其他裝置的登入已全部登出；下次登入請使用新密碼。", "ok")
    return redirect(url_for("account.profile"))

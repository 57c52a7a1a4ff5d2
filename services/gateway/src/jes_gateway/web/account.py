"""Account pages: set a password from a mailed link, forgot password / account id, and
personal account maintenance (個人帳號維護, 維護密碼)."""

from __future__ import annotations

from typing import Any

import grpc
from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from jes.identity.v1 import identity_pb2
from jes_gateway.context import gateway
from jes_gateway.ratelimit import RateLimiter
from jes_gateway.web.forms import FormProblem, form_problem
from jes_gateway.web.session import login_required, require_user
from jes_zhtw import COURTS

bp = Blueprint("account", __name__)

# Per client, on top of identity's own per-account and per-address limits: these pages
# mail links or consume them, so one client must not hammer them. Shared with the API.
mail_request_limiter = RateLimiter(limit=10, window_seconds=900)
set_password_limiter = RateLimiter(limit=10, window_seconds=900)

# The rule identity enforces (jes_identity.passwords.PasswordPolicy defaults). Shown so
# people get it right the first time; identity's own message is what counts.
PASSWORD_RULES = (
    "長度 8 至 64 個字元",
    "須同時包含英文大寫及小寫字母",
    "須包含數字",
    "只能使用英文字母、數字及符號 @!?.()~",
)
ALLOWED_SYMBOLS = "@!?.()~"

RESET_SENT = "若資料正確，系統已寄出重設密碼連結，請至電子郵件信箱收信。"
ACCOUNT_ID_SENT = "若資料正確，系統已將您的帳號寄至該電子郵件信箱，請收信。"
MISMATCH = "兩次輸入的新密碼不一致"
COURT_NAMES = {court.code: court.name for court in COURTS}


def password_page(template: str, problem: FormProblem | None = None, **values: Any) -> Any:
    page = render_template(
        template,
        rules=PASSWORD_RULES,
        symbols=ALLOWED_SYMBOLS,
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
        problem = FormProblem("資料有誤，請修正後再送出", {"confirm_password": MISMATCH})
        return password_page("account/set_password.html", problem, token=token)
    try:
        reply = gateway().services.identity.call(
            "SetPassword",
            identity_pb2.SetPasswordRequest(token=token, new_password=new_password),
        )
    except grpc.RpcError as error:
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
        gateway().services.identity.call(
            "RequestPasswordReset", identity_pb2.RequestPasswordResetRequest(**form)
        )
    except grpc.RpcError as error:
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
        gateway().services.identity.call(
            "RemindAccountId", identity_pb2.RemindAccountIdRequest(**form)
        )
    except grpc.RpcError as error:
        problem = form_problem(error)
        return render_template(
            "account/forgot_id.html", form=form, errors=problem.fields, problem=problem
        ), problem.status
    return render_template(
        "account/forgot_id.html", form={}, errors={}, problem=None, sent=ACCOUNT_ID_SENT
    )


# -- personal account maintenance ----------------------------------------------------------


def profile_page(
    account: identity_pb2.Account, form: dict[str, str], problem: FormProblem | None = None
) -> str:
    court = COURT_NAMES.get(account.court_code, account.court_code)
    return render_template(
        "account/profile.html",
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
    account = gateway().services.identity.call(
        "GetMyAccount", identity_pb2.GetMyAccountRequest(), token=user.token
    )
    form = {
        "display_name": account.display_name,
        "email": account.email,
        "phone": account.phone,
        "contact_person": account.contact_person,
    }
    return profile_page(account, form)


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
        account = identity.call(
            "UpdateMyAccount", identity_pb2.UpdateMyAccountRequest(**form), token=user.token
        )
    except grpc.RpcError as error:
        problem = form_problem(error)
        account = identity.call(
            "GetMyAccount", identity_pb2.GetMyAccountRequest(), token=user.token
        )
        return profile_page(account, form, problem), problem.status
    # The header shows the name from the session: keep it in step with the change.
    session["account"] = {**session["account"], "name": account.display_name}
    flash("個人帳號資料已存檔。", "ok")
    return redirect(url_for("account.profile"))


@bp.get("/account/password")
@login_required()
def change_password() -> Any:
    return password_page("account/change_password.html")


@bp.post("/account/password")
@login_required()
def change_password_submit() -> Any:
    user = require_user()
    new_password = request.form.get("new_password", "")
    if new_password != request.form.get("confirm_password", ""):
        problem = FormProblem("資料有誤，請修正後再送出", {"confirm_password": MISMATCH})
        return password_page("account/change_password.html", problem)
    try:
        gateway().services.identity.call(
            "ChangePassword",
            identity_pb2.ChangePasswordRequest(
                current_password=request.form.get("current_password", ""),
                new_password=new_password,
            ),
            token=user.token,
        )
    except grpc.RpcError as error:
        return password_page("account/change_password.html", form_problem(error))
    flash("密碼已變更，下次登入請使用新密碼。", "ok")
    return redirect(url_for("account.profile"))

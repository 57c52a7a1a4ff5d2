"""Login and logout pages: the captcha when identity's rules ask for one, and the device
cookie that keeps a browser which logged in before getting in while others guess."""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from jes_gateway import captcha
from jes_gateway.context import gateway
from jes_gateway.limits import captcha_limiter, check_login_budget
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

# One cookie per account (OWASP device cookies): a browser shared by two accounts keeps
# both. Only the login form reads it (path), never scripts (HttpOnly).
DEVICE_COOKIE_PREFIX = "jes_device_"
DEVICE_COOKIE_DAYS = 180
ACCOUNT_ID = re.compile(r"^[A-Z0-9]{1,20}$")
# After a failed attempt the form shows a captcha at once, so the person does not have to
# type the password again when identity asks for one.
CAPTCHA_FLAG = "login_captcha"


def device_cookie_name(account_id: str) -> str | None:
    return DEVICE_COOKIE_PREFIX + account_id if ACCOUNT_ID.match(account_id) else None


def device_token_of(account_id: str) -> str:
    name = device_cookie_name(account_id)
    return request.cookies.get(name, "") if name else ""


def remember_device(response: BaseResponse, account_id: str, token: str) -> None:
    name = device_cookie_name(account_id)
    if name is None or not token:
        return
    response.set_cookie(
        name,
        token,
        max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
        path=url_for("auth.login"),
        secure=gateway().config.platform.public_url.startswith("https://"),
        httponly=True,
        samesite="Lax",
    )


def login_page(form: dict[str, str], problem: Problem | None = None) -> Any:
    challenge = None
    if session.get(CAPTCHA_FLAG):
        captcha_limiter.check("captcha")
        challenge = captcha.present(
            gateway().services.identity.new_login_challenge(), gateway().config.secret_key
        )
    page = render_template(
        "login.html",
        courts=COURTS,
        form=form,
        problem=problem,
        errors=problem.fields if problem else {},
        challenge=challenge,
    )
    return (page, problem.status) if problem else page


@bp.get("/login")
def login() -> Any:
    user = current_user()
    if user is not None:
        return redirect(home_for(user))
    return login_page({})


@bp.get("/login/captcha/audio")
def captcha_audio() -> Any:
    """The captcha's digits spoken in Mandarin (the page's alternative to the picture)."""
    wav = captcha.speak(request.args.get("token", ""), gateway().config.secret_key)
    if wav is None:
        abort(404)
    return Response(wav, mimetype="audio/wav", headers={"Cache-Control": "no-store"})


@bp.post("/login")
def login_submit() -> Any:
    form = {
        "court_code": request.form.get("court_code", ""),
        "account_id": request.form.get("account_id", "").strip().upper(),
    }
    device_token = device_token_of(form["account_id"])
    check_login_budget(device_token)
    try:
        reply = gateway().services.identity.login(
            form["account_id"],
            request.form.get("password", ""),
            current_client(),
            user_agent(),
            device_token=device_token,
            captcha_id=request.form.get("captcha_id", ""),
            captcha_answer=captcha.typed_answer(request.form.get("captcha_answer", "")),
        )
    except Problem as error:
        if error.status >= 500:
            raise
        session[CAPTCHA_FLAG] = True
        problem = error if error.status in (400, 429) else Problem(400, error.detail or "登入失敗")
        if "captcha" in problem.fields:  # the form's field is the typed answer
            problem = Problem(
                problem.status, problem.detail, {"captcha_answer": problem.fields["captcha"]}
            )
        return login_page(form, problem)
    if form["court_code"] and reply.account.court_code not in ("", form["court_code"]):
        return login_page(form, Problem(400, "此帳號不屬於所選的法院"))
    user = sign_in(reply)
    response = redirect(safe_next(request.args.get("next")) or home_for(user))
    remember_device(response, reply.account.account_id, reply.device_token)
    return response


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

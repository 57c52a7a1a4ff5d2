"""The links in a case-progress mail (no login: the link's token is the key): RFC 8058
one-click unsubscribe, and the page to choose how the case's news is mailed. Opening a
link only shows a page with a button, since mail scanners open links; a POST acts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from jes_gateway.context import gateway
from jes_gateway.presentation.case_mail import (
    MAIL_MODE_LABELS,
    NO_MODE,
    UNSUBSCRIBED,
    case_mail_view,
    mode_value,
    token_problem,
)
from jes_gateway.problems import Problem
from jes_gateway.web.forms import invalid

bp = Blueprint("notices", __name__, url_prefix="/notices")


def _token() -> str:
    token = request.args.get("token", "").strip()
    problem = token_problem(token)
    if problem:
        raise Problem(400, problem, {"token": problem})
    return token


@bp.get("/unsubscribe")
def unsubscribe_page() -> Any:
    token = _token()
    settings = gateway().services.notices.case_mail_settings(token)
    return render_template(
        "notices/unsubscribe.html", case=case_mail_view(settings), token=token, done=False
    )


@bp.post("/unsubscribe")
def unsubscribe() -> Any:
    """One click: from the page's button, or a mail client's POST of
    `List-Unsubscribe=One-Click` (RFC 8058), which carries no session."""
    token = _token()
    settings = gateway().services.notices.set_case_mail_mode(token, UNSUBSCRIBED)
    return render_template(
        "notices/unsubscribe.html", case=case_mail_view(settings), token=token, done=True
    )


@bp.get("/settings")
def settings_page() -> Any:
    token = _token()
    settings = gateway().services.notices.case_mail_settings(token)
    return _settings(token, case_mail_view(settings))


@bp.post("/settings")
def change_settings() -> Any:
    token = _token()
    notices = gateway().services.notices
    mode = mode_value(request.form.get("mode", ""))
    if mode is None:
        problem = invalid({"mode": NO_MODE}, NO_MODE)
        view = case_mail_view(notices.case_mail_settings(token))
        return _settings(token, view, problem=problem), 400
    return _settings(token, case_mail_view(notices.set_case_mail_mode(token, mode)), saved=True)


def _settings(token: str, case: Any, *, problem: Any = None, saved: bool = False) -> str:
    return render_template(
        "notices/settings.html",
        case=case,
        token=token,
        modes=MAIL_MODE_LABELS,
        problem=problem,
        saved=saved,
    )

"""案件進度查詢: the reader's cases, each with its latest three entries (as the old system
showed), and one case's page, phone first: the next hearing at the top, every entry
newest first with what is new since the last visit marked, 資料更新至, the cut-off date.
case-sync decides what the reader may see (a litigant their follows, a prosecutor theirs)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, render_template, request, url_for

from jes_gateway.context import gateway
from jes_gateway.presentation.cases import NOTICES, case_page_view, case_view
from jes_gateway.presentation.systems import CASE_READERS
from jes_gateway.web.session import login_required, require_user

bp = Blueprint("cases", __name__, url_prefix="/cases")

READERS = tuple(sorted(CASE_READERS))
MAX_PAGE_TOKEN = 200


def _page_token() -> str:
    token = request.args.get("page", "").strip()
    return token if len(token) <= MAX_PAGE_TOKEN else ""


@bp.get("/")
@login_required(*READERS)
def my_cases() -> Any:
    user = require_user()
    reply = gateway().services.cases.my_cases(user.token, page_token=_page_token())
    return render_template(
        "cases/list.html",
        cases=[case_view(summary) for summary in reply.cases],
        next_page_token=reply.next_page_token,
        prosecutor=user.has_role("prosecutor"),
        notices=NOTICES,
    )


@bp.get("/<case_id>")
@login_required(*READERS)
def case_page(case_id: str) -> Any:
    user = require_user()
    page_token = _page_token()
    page = gateway().services.cases.case_page(
        user.token,
        case_id,
        page_token=page_token,
        # the first page of a real visit: the next visit's "new since" starts from now
        record_visit=not page_token,
    )
    return render_template("cases/case.html", page=case_page_view(page), notices=NOTICES)


@bp.route("/<case_id>/feeds", methods=["GET", "POST"])
@login_required(*READERS)
def feeds(case_id: str) -> Any:
    """The case's private feed addresses: make one (its secret is shown this once) or
    revoke one (the address stops working at once)."""
    user = require_user()
    cases = gateway().services.cases
    created = None
    if request.method == "POST":
        feed_id = request.form.get("revoke", "").strip()
        if feed_id:
            cases.revoke_feed(user.token, feed_id[:100])
            flash("已停用此訂閱網址", "ok")
        else:
            created = cases.create_feed(user.token, case_id)
    page = cases.case_page(user.token, case_id, page_size=1)
    public_url = gateway().config.platform.public_url
    return render_template(
        "cases/feeds.html",
        case=case_view(page.summary),
        feeds=cases.my_feeds(user.token, case_id).feeds,
        created=created,
        atom_url=lambda token: public_url + url_for("feeds.atom", token=token),
        ics_url=lambda token: public_url + url_for("feeds.calendar", token=token),
    )

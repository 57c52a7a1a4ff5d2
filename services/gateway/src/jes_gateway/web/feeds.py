"""A case's private feeds (no login: the address's secret is the key, revocable by its
owner): /feeds/<token>.atom (the entries) and /feeds/<token>.ics (the hearings), so a
feed reader or a lawyer's calendar follows the court. An unknown or revoked address is
404, whatever the reason."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, url_for

from jes.case_sync.v1 import case_queries_pb2 as q
from jes_gateway.context import gateway
from jes_gateway.presentation.cases import NOTICES, case_page_view
from jes_gateway.presentation.feeds import (
    atom_entries,
    atom_updated,
    hearings_calendar,
    is_feed_token,
)

bp = Blueprint("feeds", __name__, url_prefix="/feeds")


def _resolve(token: str, kind: q.FeedKind.ValueType) -> q.CasePage:
    if not is_feed_token(token):
        abort(404)
    return gateway().services.cases.resolve_feed(token, kind)


@bp.get("/<token>.atom")
def atom(token: str) -> Any:
    page = _resolve(token, q.FEED_KIND_ATOM)
    view = case_page_view(page)
    public_url = gateway().config.platform.public_url
    body = render_template(
        "feeds/case.atom.xml",
        case=view.case,
        entries=atom_entries(page, view),
        updated=atom_updated(page),
        notes="".join(NOTICES[:2]),
        self_url=public_url + url_for("feeds.atom", token=token),
        case_url=public_url + url_for("cases.case_page", case_id=view.case.case_id),
    )
    return Response(body, mimetype="application/atom+xml")


@bp.get("/<token>.ics")
def calendar(token: str) -> Any:
    page = _resolve(token, q.FEED_KIND_ICALENDAR)
    body = hearings_calendar(page, case_page_view(page))
    return Response(body, content_type="text/calendar; charset=utf-8")

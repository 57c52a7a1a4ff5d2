"""The case-progress service's mails other than new entries (those are batched:
case_notices.py): a follow approved (the activation link the first time, a notice
later), the follow ended, and the cut-off (when its clock starts, seven days before, and
when a status change stops it).
Pure: what case-sync's event says, and who of its followers still wants the case's mails
(passed in), make the mails. Dates are absolute ROC dates, never "in two weeks"."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, timedelta
from typing import Any

from jes.case_sync.v1 import case_events_pb2, cases_pb2
from jes_notification.domain.case_notices import dotted_case_number
from jes_notification.domain.mails import Links, Mail
from jes_protos import enum_label
from jes_zhtw import court_by_code, format_roc_date, format_roc_date_short, parse_case_number

# The statuses that start the two-month clock (the seed: 送上訴、抗告、執行或歸檔).
CLOCK_STATUSES = frozenset(
    {
        cases_pb2.CASE_STATUS_APPEALED,
        cases_pb2.CASE_STATUS_INTERLOCUTORY_APPEAL,
        cases_pb2.CASE_STATUS_EXECUTION,
        cases_pb2.CASE_STATUS_ARCHIVED,
    }
)


def case_context(case_id: str, case: cases_pb2.CaseKey, links: Links) -> dict[str, Any]:
    dotted = dotted_case_number(case_id, case.year, case.word, case.number)
    return {
        "court_name": court_by_code(case.court_code).name,
        "category": enum_label(cases_pb2.CaseCategory, case.category),
        "case_number": dotted,
        "case_number_formal": parse_case_number(dotted).formal(),
        "case_url": links.case_page(case_id),
    }


def last_day_shown(cut_off_on: str) -> date:
    """cut_off_on is the first day the case is no longer shown: the day before is the last."""
    return date.fromisoformat(cut_off_on) - timedelta(days=1)


def still_wanted(
    followers: Iterable[case_events_pb2.Follower], unsubscribed: Collection[str]
) -> list[str]:
    """The followers' addresses, once each, without those who stopped the case's mails."""
    emails = {f.email.strip().lower() for f in followers if f.email.strip()}
    return sorted(emails - set(unsubscribed))


def follow_approved(event: case_events_pb2.FollowApproved, links: Links) -> list[Mail]:
    context = {
        **case_context(event.case_id, event.case, links),
        "applicant_name": event.applicant_name,
        "role": enum_label(cases_pb2.FollowerRole, event.role),
        "account_username": event.account_username,
        "login_url": links.login,
        "forgot_password_url": links.forgot_password,
        "set_password_url": links.set_password,
        "cut_off_on": _roc(event.cut_off_on),
    }
    if event.activation_link_id:
        return [Mail("follow_activation", event.email, context, link_id=event.activation_link_id)]
    return [Mail("follow_approved", event.email, context)]


def follow_revoked(event: case_events_pb2.FollowRevoked, links: Links) -> list[Mail]:
    context = {**case_context(event.case_id, event.case, links), "reason": event.reason}
    return [Mail("follow_revoked", event.email, context)]


def cut_off_started(
    event: case_events_pb2.CaseStatusChanged, unsubscribed: Collection[str], links: Links
) -> list[Mail]:
    """The clock started: the status, and the last day the case is shown (none when the
    change started no clock)."""
    if not event.cut_off_on:
        return []
    context = {
        **case_context(event.case_id, event.case, links),
        "status": enum_label(cases_pb2.CaseStatus, event.status),
        "effective_on": _roc(event.effective_on),
        "last_day": _roc_short(last_day_shown(event.cut_off_on)),
        "last_day_long": format_roc_date(last_day_shown(event.cut_off_on)),
        "warn_on": _roc(event.warn_on),
    }
    return [
        Mail("case_cut_off_started", email, context)
        for email in still_wanted(event.followers, unsubscribed)
    ]


def cut_off_stopped(
    event: case_events_pb2.CaseStatusChanged, unsubscribed: Collection[str], links: Links
) -> list[Mail]:
    """The clock stopped (back from appeal, a remand, 已結案): the case is shown again with
    no last day. Only a change that ended a running clock and started none mails; the
    event is handled once, and a later change that stops nothing mails nothing."""
    if event.cut_off_on or not event.previous_cut_off_on:
        return []
    context = {
        **case_context(event.case_id, event.case, links),
        "status": enum_label(cases_pb2.CaseStatus, event.status),
        "effective_on": _roc(event.effective_on),
        "previous_last_day_long": format_roc_date(last_day_shown(event.previous_cut_off_on)),
    }
    return [
        Mail("case_cut_off_stopped", email, context)
        for email in still_wanted(event.followers, unsubscribed)
    ]


def cut_off_approaching(
    event: case_events_pb2.CaseCutOffApproaching, unsubscribed: Collection[str], links: Links
) -> list[Mail]:
    context = {
        **case_context(event.case_id, event.case, links),
        "status": enum_label(cases_pb2.CaseStatus, event.status),
        "last_day_long": format_roc_date(last_day_shown(event.cut_off_on)),
    }
    return [
        Mail("case_cut_off_approaching", email, context)
        for email in still_wanted(event.followers, unsubscribed)
    ]


def _roc(iso: str) -> str:
    return format_roc_date(date.fromisoformat(iso)) if iso else ""


def _roc_short(day: date) -> str:
    return format_roc_date_short(day)

"""An assigned appraiser's work as rows with last days (seed 003 points 9 and 12 (五)):
the payment order (the party pays within 5 days, else the appraiser reports it), the
report from payment (10 days; 20 with a zoning certificate), the court's notices (reply
within 20 days) and reminders (5 days). Days are counted by `deadlines`; the numbers are
the court's (court_rules). This module says what state a row is in on a day, when its
reminder is due, and what the rows give the disqualification grounds 5 and 10."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from jes_domain import FailedPrecondition, InvalidArgument
from jes_review_workflow.domain.appraisal.court_rules import CourtRules
from jes_review_workflow.domain.appraisal.deadlines import DeadlineKind
from jes_review_workflow.domain.appraisal.disqualification import Notice


class WorkState(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"
    DONE = "done"
    DONE_LATE = "done_late"
    NOT_PAID = "not_paid"  # the appraiser reported the party did not pay


class Closed(StrEnum):
    """How a row was closed."""

    PAID = "paid"
    NOT_PAID = "not_paid"
    REPORTED = "reported"  # the report was submitted
    REPLIED = "replied"


REPLY_KINDS = (DeadlineKind.REPLY, DeadlineKind.REPLY_AFTER_REMINDER)
REPORT_KINDS = (DeadlineKind.REPORT, DeadlineKind.REPORT_WITH_ZONING)

NOT_A_NOTICE = "此項目不是本院通知"
ALREADY_DONE = "此項目已完成"
NO_PAYMENT_ORDER = "此選任尚無待繳的鑑定費用"
PAYMENT_ALREADY_ORDERED = "此選任已命繳納鑑定費用"
NOT_YET_OVERDUE = "繳費期限尚未屆滿，不能陳報未繳費"
BEFORE_START = "日期不可早於期間起算日"
IN_FUTURE = "日期不可晚於今天"
AMOUNT_REQUIRED = "請填寫繳納金額"


@dataclass(frozen=True)
class Row:
    """What the rules need of a stored work row."""

    kind: DeadlineKind
    start: date
    last_day: date
    done_on: date | None = None
    closed: Closed | None = None


def state_on(row: Row, day: date) -> WorkState:
    if row.closed is Closed.NOT_PAID:
        return WorkState.NOT_PAID
    if row.done_on is not None:
        return WorkState.DONE if row.done_on <= row.last_day else WorkState.DONE_LATE
    return WorkState.OVERDUE if day > row.last_day else WorkState.OPEN


def reminder_due(rules: CourtRules, row: Row, day: date) -> bool:
    """An open row is reminded from `reminder_days_before` days before its last day up to
    that day; a row already past it is overdue, not reminded."""
    if row.done_on is not None or row.closed is not None:
        return False
    first = row.last_day - timedelta(days=rules.deadlines.reminder_days_before)
    return first <= day <= row.last_day


def require_day_in_range(day: date, start: date, today: date, field: str) -> None:
    """A day something happened: not before the period began, not in the future."""
    if day < start:
        raise InvalidArgument(BEFORE_START, fields={field: BEFORE_START})
    if day > today:
        raise InvalidArgument(IN_FUTURE, fields={field: IN_FUTURE})


def require_open(row: Row) -> None:
    if row.done_on is not None or row.closed is not None:
        raise FailedPrecondition(ALREADY_DONE)


def require_non_payment_reportable(row: Row, day: date) -> None:
    """Point 9: the appraiser reports once the party has not paid within the period."""
    require_open(row)
    if day <= row.last_day:
        raise FailedPrecondition(NOT_YET_OVERDUE, fields={"assignment_id": NOT_YET_OVERDUE})


def report_kind(zoning_certificate_needed: bool) -> DeadlineKind:
    return DeadlineKind.REPORT_WITH_ZONING if zoning_certificate_needed else DeadlineKind.REPORT


def fee_above_schedule(amount: int, allowed: int, approved: bool) -> int:
    """How much a payment exceeds the order's ceiling without approval (0 = none)."""
    return 0 if approved else max(0, amount - allowed)


def notices_of(
    notices: Iterable[tuple[date, date | None]], reminders: Iterable[tuple[int, date]]
) -> list[Notice]:
    """Ground 5's input: each notice (received, replied) with its latest reminder's
    receipt. `reminders` pairs a notice's index with the day its reminder was received."""
    listed = list(notices)
    latest: dict[int, date] = {}
    for index, received in reminders:
        latest[index] = max(received, latest.get(index, received))
    return [
        Notice(received_on=received, replied_on=replied, reminder_received_on=latest.get(n))
        for n, (received, replied) in enumerate(listed)
    ]

"""Deadlines with Keelung's days, counted as Civil Code §120 II and §122 say: the first
day is not counted; a last day on a rest day moves to the next working day. Taiwan's
calendar (holidays, make-up working days) and a court's own closures (typhoons)."""

from __future__ import annotations

from datetime import date

import pytest

from jes_domain import InvalidArgument
from jes_review_workflow.domain.appraisal.court_rules import rules_for
from jes_review_workflow.domain.appraisal.deadlines import (
    DeadlineKind,
    WorkCalendar,
    deadline,
    last_day,
)

KLD = rules_for("KLD", date(2025, 1, 1))
TAIWAN = WorkCalendar()


def test_a_last_day_on_a_working_day_stays():
    # 2025-03-03 (Mon) + 5 = 2025-03-08 is a Saturday: moves; +4 = Friday stays.
    assert last_day(date(2025, 3, 3), 4, TAIWAN) == date(2025, 3, 7)


def test_payment_due_inside_the_lunar_new_year_moves_past_the_whole_break():
    # Ordered 2025-01-22: 5 days end on 01-27 (彈性放假); 01-28..01-31 春節, 02-01/02
    # weekend: the next working day is Monday 02-03.
    due = deadline(KLD, DeadlineKind.PAYMENT, date(2025, 1, 22), TAIWAN)
    assert due.nominal == date(2025, 1, 27)
    assert due.last_day == date(2025, 2, 3)


def test_rest_days_inside_the_period_are_counted():
    # Paid 2025-01-24: ten calendar days end on 02-03 whatever lies between.
    assert deadline(KLD, DeadlineKind.REPORT, date(2025, 1, 24), TAIWAN).last_day == date(
        2025, 2, 3
    )


def test_a_make_up_saturday_is_a_working_day():
    # 2025-02-08 (Sat) was a make-up working day (補行上班): a last day there stays.
    due = deadline(KLD, DeadlineKind.PAYMENT, date(2025, 2, 3), TAIWAN)
    assert due.last_day == date(2025, 2, 8)
    # an ordinary Saturday a week later moves to Monday
    assert deadline(KLD, DeadlineKind.PAYMENT, date(2025, 2, 10), TAIWAN).last_day == date(
        2025, 2, 17
    )


def test_report_with_a_zoning_certificate_has_twenty_days():
    assert deadline(KLD, DeadlineKind.REPORT, date(2025, 3, 3), TAIWAN).last_day == date(
        2025, 3, 13
    )
    assert deadline(
        KLD, DeadlineKind.REPORT_WITH_ZONING, date(2025, 3, 3), TAIWAN
    ).last_day == date(2025, 3, 24)  # 03-23 is a Sunday


def test_replies_twenty_days_after_a_notice_five_after_a_reminder():
    assert deadline(KLD, DeadlineKind.REPLY, date(2025, 3, 3), TAIWAN).last_day == date(2025, 3, 24)
    assert deadline(
        KLD, DeadlineKind.REPLY_AFTER_REMINDER, date(2025, 3, 3), TAIWAN
    ).last_day == date(2025, 3, 10)  # 03-08 Sat -> Mon 03-10


def test_a_typhoon_closure_of_the_court_moves_the_last_day():
    # 2024-10-31: offices closed for typhoon Kong-rey (declared on the day).
    closed = WorkCalendar(closures=frozenset({date(2024, 10, 31)}))
    assert deadline(KLD, DeadlineKind.PAYMENT, date(2024, 10, 26), TAIWAN).last_day == date(
        2024, 10, 31
    )
    assert deadline(KLD, DeadlineKind.PAYMENT, date(2024, 10, 26), closed).last_day == date(
        2024, 11, 1
    )


@pytest.mark.parametrize("days", [0, -1])
def test_a_period_has_at_least_one_day(days: int):
    with pytest.raises(InvalidArgument):
        last_day(date(2025, 3, 3), days, TAIWAN)

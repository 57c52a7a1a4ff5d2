"""The disqualification grounds the data shows (seed 003 point 12), at and just past
each threshold, with Keelung's numbers."""

from __future__ import annotations

from datetime import date

from jes_review_workflow.domain.appraisal.court_rules import rules_for
from jes_review_workflow.domain.appraisal.deadlines import WorkCalendar
from jes_review_workflow.domain.appraisal.disqualification import (
    AuctionOutcome,
    AuctionResult,
    Notice,
    flags,
)
from jes_review_workflow.domain.appraisal.rotation import Category

KLD = rules_for("KLD", date(2026, 1, 1))
CAL = WorkCalendar()
AS_OF = date(2026, 6, 30)
RE, OTHER = Category.REAL_ESTATE, Category.OTHER_PROPERTY


def grounds(**data) -> list[int]:
    return [f.ground for f in flags(KLD, CAL, AS_OF, **data)]


def unsold(day: date, reserve: int, category: Category = RE) -> AuctionOutcome:
    return AuctionOutcome(category, day, reserve, AuctionResult.UNSOLD, 0)


def sold(day: date, price: int, category: Category = RE) -> AuctionOutcome:
    return AuctionOutcome(category, day, 100, AuctionResult.SOLD, price)


def test_no_reply_twenty_days_after_a_notice():
    # received 2026-03-02 (Mon): the 20th day is 03-22 (Sun) -> last day Mon 03-23
    notice = Notice(received_on=date(2026, 3, 2))
    assert flags(KLD, CAL, date(2026, 3, 23), notices=[notice]) == []
    [flag] = flags(KLD, CAL, date(2026, 3, 24), notices=[notice])
    assert flag.ground == 5 and "2026-03-23" in flag.evidence[0]
    assert grounds(notices=[Notice(date(2026, 3, 2), replied_on=date(2026, 3, 20))]) == []


def test_no_reply_five_days_after_a_reminder():
    notice = Notice(received_on=date(2026, 6, 1), reminder_received_on=date(2026, 6, 8))
    # reminder 06-08 (Mon): 5th day 06-13 (Sat) -> Mon 06-15
    assert flags(KLD, CAL, date(2026, 6, 15), notices=[notice]) == []
    assert [f.ground for f in flags(KLD, CAL, date(2026, 6, 16), notices=[notice])] == [5]


def test_fee_above_the_schedule_without_approval():
    assert grounds(fees_above_schedule=0) == []
    assert grounds(fees_above_schedule=1) == [10]


def test_report_errors_three_times():
    assert grounds(report_errors=2) == []
    assert grounds(report_errors=3) == [12]


def test_real_estate_unsold_at_65_percent_twice_in_six_months():
    once = [unsold(date(2026, 3, 1), 65)]
    assert grounds(outcomes=once) == []
    assert grounds(outcomes=[*once, unsold(date(2026, 5, 1), 64)]) == [15]
    # at a higher reserve it does not count; older than six months neither
    assert grounds(outcomes=[*once, unsold(date(2026, 5, 1), 80)]) == []
    assert grounds(outcomes=[*once, unsold(date(2025, 12, 29), 65)]) == []
    assert grounds(outcomes=[*once, unsold(date(2025, 12, 30), 65)]) == [15]


def test_real_estate_sold_at_120_percent_twice_in_six_months():
    assert grounds(outcomes=[sold(date(2026, 4, 1), 120), sold(date(2026, 5, 1), 119)]) == []
    assert grounds(outcomes=[sold(date(2026, 4, 1), 120), sold(date(2026, 5, 1), 120)]) == [15]


def test_other_property_unsold_at_51_percent_or_taken_over_three_times():
    two = [
        unsold(date(2026, 2, 1), 51, OTHER),
        AuctionOutcome(OTHER, date(2026, 3, 1), 60, AuctionResult.TAKEN_OVER, 60),
    ]
    assert grounds(outcomes=two) == []
    assert grounds(outcomes=[*two, unsold(date(2026, 4, 1), 52, OTHER)]) == []
    assert grounds(outcomes=[*two, unsold(date(2026, 4, 1), 50, OTHER)]) == [16]
    # real-estate outcomes do not count towards other property's ground
    assert grounds(outcomes=[*two, unsold(date(2026, 4, 1), 50, RE)]) == []

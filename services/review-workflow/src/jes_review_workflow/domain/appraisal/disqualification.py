"""The disqualification grounds the data can show (seed 003 point 12): a flag with its
evidence for the committee, never a decision (the committee decides, with the
appraiser's written reply). Numbers and windows are the court's (court_rules).

- (五) no reply after the reply period from a notice, or after the shorter one from a
  reminder, counted as deadlines are (§120 II, §122);
- (一○) a fee above the schedule without the officer's approval;
- (一二) errors in reports (other than the grave ones of (一一)) three times or more;
- (一五) real estate, within six months: unsold at a reserve of 65 % of the appraisal
  (or less) twice, or sold at 120 % of it (or more) twice;
- (一六) other property, within six months: unsold at 51 % of the appraisal (or less),
  or taken over by the creditor, three times in all."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from jes_review_workflow.domain.appraisal.court_rules import CourtRules
from jes_review_workflow.domain.appraisal.deadlines import DeadlineKind, WorkCalendar, deadline
from jes_review_workflow.domain.appraisal.rotation import Category

NO_REPLY, FEE_ABOVE_SCHEDULE, REPORT_ERRORS, REAL_ESTATE_PRICES, OTHER_PROPERTY_PRICES = (
    5,
    10,
    12,
    15,
    16,
)


class AuctionResult(StrEnum):
    UNSOLD = "unsold"
    SOLD = "sold"
    TAKEN_OVER = "taken_over"  # 交債權人承受


@dataclass(frozen=True)
class AuctionOutcome:
    """One auction of an object this appraiser appraised, as the court's system reports
    it: the reserve and (when sold or taken over) the price, as percentages of the
    appraised value."""

    category: Category
    held_on: date
    reserve_percent: float
    result: AuctionResult
    price_percent: float


@dataclass(frozen=True)
class Notice:
    """A notice of the court to the appraiser, and its reminder, as received."""

    received_on: date
    replied_on: date | None = None
    reminder_received_on: date | None = None


@dataclass(frozen=True)
class Flag:
    ground: int  # the number of the court's ground, from 1
    label: str
    evidence: tuple[str, ...]


def months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _unanswered(rules: CourtRules, cal: WorkCalendar, as_of: date, notice: Notice) -> str | None:
    periods = [(DeadlineKind.REPLY, notice.received_on, "通知")]
    if notice.reminder_received_on is not None:
        periods.append((DeadlineKind.REPLY_AFTER_REMINDER, notice.reminder_received_on, "函催"))
    for kind, received, what in periods:
        due = deadline(rules, kind, received, cal).last_day
        answered_in_time = notice.replied_on is not None and notice.replied_on <= due
        if not answered_in_time and as_of > due:
            return f"{received.isoformat()} 收受{what}，期限 {due.isoformat()} 屆滿未回覆"
    return None


def flags(
    rules: CourtRules,
    cal: WorkCalendar,
    as_of: date,
    *,
    notices: Sequence[Notice] = (),
    fees_above_schedule: int = 0,
    report_errors: int = 0,
    outcomes: Sequence[AuctionOutcome] = (),
) -> list[Flag]:
    """The grounds the data shows on `as_of`, each with its evidence."""
    dq = rules.disqualification
    found: list[Flag] = []

    def flag(ground: int, evidence: list[str]) -> None:
        found.append(Flag(ground, dq.grounds[ground - 1], tuple(evidence)))

    unanswered = [e for n in notices if (e := _unanswered(rules, cal, as_of, n))]
    if unanswered:
        flag(NO_REPLY, unanswered)
    if fees_above_schedule > 0:
        flag(FEE_ABOVE_SCHEDULE, [f"未經核可超收鑑定費用 {fees_above_schedule} 件"])
    if report_errors >= dq.report_errors:
        flag(REPORT_ERRORS, [f"鑑定書錯誤 {report_errors} 次"])
    since = months_before(as_of, dq.window_months)
    recent = [o for o in outcomes if since <= o.held_on <= as_of]
    real_estate = [o for o in recent if o.category is Category.REAL_ESTATE]
    unsold_low = [
        o
        for o in real_estate
        if o.result is AuctionResult.UNSOLD and o.reserve_percent <= dq.real_estate_reserve_percent
    ]
    sold_high = [
        o
        for o in real_estate
        if o.result is AuctionResult.SOLD and o.price_percent >= dq.real_estate_sold_percent
    ]
    evidence = []
    if len(unsold_low) >= dq.real_estate_unsold_count:
        evidence += [
            f"{o.held_on.isoformat()} 底價 {o.reserve_percent:g}% 未拍定" for o in unsold_low
        ]
    if len(sold_high) >= dq.real_estate_sold_count:
        evidence += [f"{o.held_on.isoformat()} 以 {o.price_percent:g}% 拍定" for o in sold_high]
    if evidence:
        flag(REAL_ESTATE_PRICES, evidence)
    other = [
        o
        for o in recent
        if o.category is Category.OTHER_PROPERTY
        and (
            o.result is AuctionResult.TAKEN_OVER
            or (o.result is AuctionResult.UNSOLD and o.reserve_percent <= dq.other_property_percent)
        )
    ]
    if len(other) >= dq.other_property_count:
        flag(
            OTHER_PROPERTY_PRICES,
            [
                f"{o.held_on.isoformat()} "
                + (
                    "交債權人承受"
                    if o.result is AuctionResult.TAKEN_OVER
                    else f"底價 {o.reserve_percent:g}% 未拍定"
                )
                for o in other
            ],
        )
    return found

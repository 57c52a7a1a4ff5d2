"""Deadlines (seed 003 points 9 and 12 (五)) counted as the Civil Code says: the day the
period starts is not counted (§120 II), rest days inside it are, and a last day on a rest
day moves to the next working day (§122).

Working days come from the `holidays` package's Taiwan calendar, which follows the
DGPA's yearly office calendar including make-up working days (補行上班, e.g. Saturday
2025-02-08) and bridge days off. Typhoon closures are declared on the day, so each court
keeps its own closures (`WorkCalendar.closures`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

import holidays

from jes_domain import InvalidArgument
from jes_review_workflow.domain.appraisal.court_rules import CourtRules


class DeadlineKind(StrEnum):
    PAYMENT = "payment"  # the paying party pays the appraiser, from the court's order
    REPORT = "report"  # the report, from payment
    REPORT_WITH_ZONING = "report_with_zoning"  # the report needing a zoning certificate
    REPLY = "reply"  # a reply to the court's notice, from receipt
    REPLY_AFTER_REMINDER = "reply_after_reminder"  # a reply to the court's reminder


DEADLINE_LABELS = {
    DeadlineKind.PAYMENT: "繳納鑑定費用",
    DeadlineKind.REPORT: "送交鑑定書",
    DeadlineKind.REPORT_WITH_ZONING: "送交鑑定書（須附使用分區證明）",
    DeadlineKind.REPLY: "回覆本院通知",
    DeadlineKind.REPLY_AFTER_REMINDER: "回覆本院函催",
}


def period_days(rules: CourtRules, kind: DeadlineKind) -> int:
    d = rules.deadlines
    return {
        DeadlineKind.PAYMENT: d.payment_days,
        DeadlineKind.REPORT: d.report_days,
        DeadlineKind.REPORT_WITH_ZONING: d.report_days_with_zoning,
        DeadlineKind.REPLY: d.reply_days,
        DeadlineKind.REPLY_AFTER_REMINDER: d.reply_after_reminder_days,
    }[kind]


@dataclass(frozen=True)
class WorkCalendar:
    """Taiwan's office calendar plus one court's own closures."""

    closures: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day in self.closures:
            return False
        return bool(_taiwan(day.year).is_working_day(day))


def _taiwan(year: int) -> holidays.HolidayBase:
    return _TAIWAN.setdefault(year, holidays.country_holidays("TW", years=year))


_TAIWAN: dict[int, holidays.HolidayBase] = {}


def last_day(start: date, days: int, calendar: WorkCalendar) -> date:
    """The last day of a period of `days` calendar days starting on `start` (§120 II,
    §122)."""
    if days < 1:
        raise InvalidArgument("期間至少為一日", fields={"days": "期間至少為一日"})
    day = start + timedelta(days=days)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class Deadline:
    kind: DeadlineKind
    start: date
    days: int
    nominal: date  # start + days, before §122
    last_day: date


def deadline(
    rules: CourtRules, kind: DeadlineKind, start: date, calendar: WorkCalendar
) -> Deadline:
    days = period_days(rules, kind)
    return Deadline(
        kind, start, days, start + timedelta(days=days), last_day(start, days, calendar)
    )

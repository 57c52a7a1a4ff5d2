"""A case's status as its court reports it, and the cut-off (seed 002: "各案送上訴、抗告、
執行或歸檔後逾二個月，即不再提供查詢").

The clock runs from the day the case went up on appeal or interlocutory appeal, to
execution or to the archive; a later such change starts it again from its own day, and a
change back (審理中, a remand) or to 已結案 stops it. Two months counted as the Civil
Code counts them (§120 II: the first day is not counted; §121 II: the period ends on the
day before the corresponding day of the last month, or on that month's last day when it
has none), so a case that went up on 2024-01-10 is shown through 2024-03-10 and stops on
2024-03-11. The followers are told when the clock starts and seven days before it stops.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from jes.case_sync.v1 import cases_pb2

CUT_OFF_MONTHS = 2
WARN_DAYS_BEFORE = 7


class Status(StrEnum):
    """Stored names; the contract's CaseStatus is CASE_STATUS_<NAME>."""

    PENDING = "pending"
    APPEALED = "appealed"
    INTERLOCUTORY_APPEAL = "interlocutory_appeal"
    EXECUTION = "execution"
    ARCHIVED = "archived"
    CLOSED = "closed"

    @property
    def value_in_contract(self) -> cases_pb2.CaseStatus.ValueType:
        return cases_pb2.CaseStatus.Value(f"CASE_STATUS_{self.name}")

    @classmethod
    def from_contract(cls, value: int) -> Status | None:
        """None for CASE_STATUS_UNSPECIFIED or an unknown number."""
        for status in cls:
            if status.value_in_contract == value:
                return status
        return None


CLOCK_STATUSES = frozenset(
    {Status.APPEALED, Status.INTERLOCUTORY_APPEAL, Status.EXECUTION, Status.ARCHIVED}
)


@dataclass(frozen=True)
class CutOff:
    clock_started_on: date
    cut_off_on: date  # the first day the case is no longer shown
    warn_on: date  # seven days before

    def reached(self, today: date) -> bool:
        return today >= self.cut_off_on


def add_months(day: date, months: int) -> date:
    """The corresponding day `months` later, or that month's last day (Civil Code §121 II)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cut_off_for(status: Status, effective_on: date | None) -> CutOff | None:
    """The cut-off a status starts, or None (no clock)."""
    if status not in CLOCK_STATUSES or effective_on is None:
        return None
    last_shown = add_months(effective_on, CUT_OFF_MONTHS)
    cut_off_on = last_shown + timedelta(days=1)
    return CutOff(effective_on, cut_off_on, cut_off_on - timedelta(days=WARN_DAYS_BEFORE))

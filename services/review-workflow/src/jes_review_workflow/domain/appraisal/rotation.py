"""The roster and its rotation (seed 003 point 5; Texas Gov't Code ch. 37: the first name
on the list).

Each category (real estate; movables and other property) has its own line. The next
appraiser is the one whose last rotation turn is oldest (never = first, then by their
place on the roster). One who cannot take this case (suspended, or found ineligible for
it by the division, with a reason) is skipped and keeps their place: their last turn does
not move, so they are first again once they can take one. Choices off the rotation
(exceptions) do not move anyone's place. A disqualified appraiser is never proposed and
cannot be assigned."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from jes_domain import FailedPrecondition
from jes_zhtw.roc import format_roc_date


class Category(StrEnum):
    REAL_ESTATE = "real_estate"
    OTHER_PROPERTY = "other_property"


class Standing(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # until a date (or until lifted)
    DISQUALIFIED = "disqualified"  # by the committee; `until` ends the bar on reapplying


class LogKind(StrEnum):
    """What the rotation log records."""

    ASSIGNED = "assigned"  # the rotation's proposal, taken for the case
    SKIPPED = "skipped"  # passed over for this case (keeps their place)
    EXCEPTION = "exception"  # chosen off the rotation, with a ground and an approval
    REPLACED = "replaced"  # 撤換: the assignment ends, with the reason and refund owed


NO_ONE_ELIGIBLE = "此類別目前沒有可輪派的鑑定人"
DISQUALIFIED = "此鑑定人已經議決為不適任，不得選任"
SUSPENDED = "此鑑定人目前停止輪派，不得選任"


@dataclass(frozen=True)
class Member:
    """One appraiser on one category's roster."""

    appraiser_id: str
    name: str
    position: int  # place on the roster (order of entry)
    standing: Standing
    until: date | None  # end of a suspension or of a disqualification's bar
    last_turn: int  # rotation-log sequence of their last rotation turn (0 = none yet)

    def standing_on(self, day: date) -> Standing:
        if self.standing is Standing.SUSPENDED and self.until is not None and day > self.until:
            return Standing.ACTIVE
        return self.standing

    def after_turn(self, sequence: int) -> Member:
        return replace(self, last_turn=sequence)


def _why_not(member: Member, day: date) -> str:
    standing = member.standing_on(day)
    if standing is Standing.DISQUALIFIED:
        return "經議決為不適任"
    if member.until is not None:
        return f"停止輪派至{format_roc_date(member.until)}"
    return "停止輪派"


@dataclass(frozen=True)
class Skip:
    appraiser_id: str
    reason: str


@dataclass(frozen=True)
class Proposal:
    chosen: Member
    skips: tuple[Skip, ...]


def in_line(members: Iterable[Member]) -> list[Member]:
    """The rotation's order: oldest last turn first, then place on the roster."""
    return sorted(members, key=lambda m: (m.last_turn, m.position))


def propose(
    members: Sequence[Member], day: date, ineligible: Mapping[str, str] | None = None
) -> Proposal:
    """The next eligible appraiser, and everyone passed over before them, with why.
    `ineligible`: appraisers the division found unable to take this case, with reasons."""
    ineligible = ineligible or {}
    skips: list[Skip] = []
    for member in in_line(members):
        if member.standing_on(day) is not Standing.ACTIVE:
            skips.append(Skip(member.appraiser_id, _why_not(member, day)))
        elif member.appraiser_id in ineligible:
            skips.append(Skip(member.appraiser_id, ineligible[member.appraiser_id]))
        else:
            return Proposal(member, tuple(skips))
    raise FailedPrecondition(NO_ONE_ELIGIBLE)


def require_assignable(member: Member, day: date) -> None:
    standing = member.standing_on(day)
    if standing is Standing.DISQUALIFIED:
        raise FailedPrecondition(DISQUALIFIED, fields={"appraiser_id": DISQUALIFIED})
    if standing is Standing.SUSPENDED:
        raise FailedPrecondition(SUSPENDED, fields={"appraiser_id": SUSPENDED})


@dataclass
class FairnessRow:
    appraiser_id: str
    assigned: int = 0
    skipped: int = 0
    exceptions: int = 0
    replaced: int = 0


def fairness(entries: Iterable[Mapping[str, str]], start: date, end: date) -> list[FairnessRow]:
    """Per appraiser, what the log shows between `start` and `end` (both included):
    rotation assignments, skips, exceptions (assignments off the rotation) and
    replacements. `entries` carry kind, appraiser_id and day (ISO)."""
    rows: dict[str, FairnessRow] = {}
    counted = {
        LogKind.ASSIGNED: "assigned",
        LogKind.SKIPPED: "skipped",
        LogKind.EXCEPTION: "exceptions",
        LogKind.REPLACED: "replaced",
    }
    for entry in entries:
        if not start <= date.fromisoformat(entry["day"]) <= end:
            continue
        row = rows.setdefault(entry["appraiser_id"], FairnessRow(entry["appraiser_id"]))
        name = counted[LogKind(entry["kind"])]
        setattr(row, name, getattr(row, name) + 1)
    return sorted(rows.values(), key=lambda r: r.appraiser_id)

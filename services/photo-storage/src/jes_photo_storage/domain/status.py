"""The photo set's status machine: every (state, event) pair and what it leads to.

A set is in one of six states: the five stored statuses, with `rejected` split by the
`changed_since_print` flag (a rejected set stays rejected while the firm edits it, but
the court can no longer decide on the print it rejected). Events:

* EDIT: any change by the firm (upload, edit, replace, delete, reorder, property type);
* PRINT: the firm prints, which submits exactly that version to the court;
* APPROVE / REJECT: the court's decision on the current print.

`TRANSITIONS` lists each pair once, with the next state or a refusal in zh-TW; nothing
else in the service decides a status.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from jes_domain import FailedPrecondition


class PhotoSetStatus(StrEnum):
    """Stored as these short names (the database does not depend on enum numbers)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGED_SINCE_PRINT = "changed_since_print"
    REJECTED = "rejected"
    APPROVED = "approved"


class Event(Enum):
    EDIT = "edit"
    PRINT = "print"
    APPROVE = "approve"
    REJECT = "reject"


@dataclass(frozen=True)
class SetState:
    status: PhotoSetStatus
    changed_since_print: bool = False


@dataclass(frozen=True)
class Refusal:
    message: str  # zh-TW, shown to the caller as is


DRAFT = SetState(PhotoSetStatus.DRAFT)
SUBMITTED = SetState(PhotoSetStatus.SUBMITTED)
CHANGED_SINCE_PRINT = SetState(PhotoSetStatus.CHANGED_SINCE_PRINT, changed_since_print=True)
REJECTED = SetState(PhotoSetStatus.REJECTED)
REJECTED_AND_CHANGED = SetState(PhotoSetStatus.REJECTED, changed_since_print=True)
APPROVED = SetState(PhotoSetStatus.APPROVED)
STATES = (DRAFT, SUBMITTED, CHANGED_SINCE_PRINT, REJECTED, REJECTED_AND_CHANGED, APPROVED)

LOCKED = Refusal("已通過法院審核的案件無法再修改")
ALREADY_SUBMITTED = Refusal("此版本已列印送出")
ALREADY_APPROVED = Refusal("此案件已通過審核")
NOT_PRINTED = Refusal("此案件尚未列印送出")
ALREADY_REJECTED = Refusal("此案件已退回，請待廠商重新列印後再審")
# The court decides on what was printed; a set changed after print cannot be approved
# (or rejected) until the firm prints it again.
CHANGED_AFTER_PRINT = Refusal("廠商已於列印後修改此案件，請待重新列印後再審")

TRANSITIONS: dict[tuple[SetState, Event], SetState | Refusal] = {
    (DRAFT, Event.EDIT): DRAFT,
    (DRAFT, Event.PRINT): SUBMITTED,
    (DRAFT, Event.APPROVE): NOT_PRINTED,
    (DRAFT, Event.REJECT): NOT_PRINTED,
    # The court has exactly this version; an edit voids the print.
    (SUBMITTED, Event.EDIT): CHANGED_SINCE_PRINT,
    (SUBMITTED, Event.PRINT): ALREADY_SUBMITTED,
    (SUBMITTED, Event.APPROVE): APPROVED,
    (SUBMITTED, Event.REJECT): REJECTED,
    (CHANGED_SINCE_PRINT, Event.EDIT): CHANGED_SINCE_PRINT,
    (CHANGED_SINCE_PRINT, Event.PRINT): SUBMITTED,
    (CHANGED_SINCE_PRINT, Event.APPROVE): CHANGED_AFTER_PRINT,
    (CHANGED_SINCE_PRINT, Event.REJECT): CHANGED_AFTER_PRINT,
    # A rejected set stays in the firm's rejected queue until it is printed again.
    (REJECTED, Event.EDIT): REJECTED_AND_CHANGED,
    (REJECTED, Event.PRINT): SUBMITTED,
    (REJECTED, Event.APPROVE): ALREADY_REJECTED,
    (REJECTED, Event.REJECT): ALREADY_REJECTED,
    (REJECTED_AND_CHANGED, Event.EDIT): REJECTED_AND_CHANGED,
    (REJECTED_AND_CHANGED, Event.PRINT): SUBMITTED,
    (REJECTED_AND_CHANGED, Event.APPROVE): CHANGED_AFTER_PRINT,
    (REJECTED_AND_CHANGED, Event.REJECT): CHANGED_AFTER_PRINT,
    (APPROVED, Event.EDIT): LOCKED,
    (APPROVED, Event.PRINT): LOCKED,
    (APPROVED, Event.APPROVE): ALREADY_APPROVED,
    (APPROVED, Event.REJECT): ALREADY_APPROVED,
}


def state_of(status: str, changed_since_print: bool) -> SetState:
    """The state of a stored set; only a rejected set keeps its flag apart (the other
    statuses imply it)."""
    stored = PhotoSetStatus(status)
    if stored is PhotoSetStatus.REJECTED:
        return REJECTED_AND_CHANGED if changed_since_print else REJECTED
    return next(state for state in STATES if state.status is stored)


def next_state(state: SetState, event: Event) -> SetState:
    """Where `event` takes a set in `state`; FailedPrecondition with the reason if not."""
    outcome = TRANSITIONS[state, event]
    if isinstance(outcome, Refusal):
        raise FailedPrecondition(outcome.message)
    return outcome


def voids_submission(before: SetState, after: SetState) -> bool:
    """An edit of a submitted set: the court can no longer receive that print (the
    service tells it so once per print)."""
    return before == SUBMITTED and after == CHANGED_SINCE_PRINT


def after_decision(
    state: SetState, event: Event, *, decided_fingerprint: str, last_fingerprint: str
) -> SetState:
    """The court's decision names the print it saw; only the set's current, unchanged
    print can be decided."""
    decided = next_state(state, event)
    if decided_fingerprint != last_fingerprint:
        raise FailedPrecondition(CHANGED_AFTER_PRINT.message)
    return decided

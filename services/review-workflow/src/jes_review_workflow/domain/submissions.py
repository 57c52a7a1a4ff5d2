"""A submission (one printed version of a photo set handed to the court) and its states.

    pending ──approve──▶ approved
       │ ───reject───▶ rejected
       └──withdraw──▶ withdrawn ──approve/reject──▶ approved/rejected

Withdrawn: the firm printed the set again or changed it after printing, so this print no
longer is what the court would decide on. A decision that photo-storage already accepted
for the print still stands if the withdrawal arrived meanwhile (see `next_state`).
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from enum import StrEnum

from jes_domain import FailedPrecondition, InvalidArgument
from jes_zhtw import CaseNumber, parse_case_number

ALREADY_DECIDED = "此案件已審核或已撤回"
NOT_FOUND = "查無此審核案件"
OTHER_DECISION_APPLIED = "此案件已有不同的審核結果，請重新整理後再試"


class SubmissionState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class SubmissionEvent(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"  # printed again, or changed after printing


PENDING = SubmissionState.PENDING
APPROVED = SubmissionState.APPROVED
REJECTED = SubmissionState.REJECTED
WITHDRAWN = SubmissionState.WITHDRAWN

TRANSITIONS: dict[tuple[SubmissionState, SubmissionEvent], SubmissionState] = {
    (PENDING, SubmissionEvent.APPROVE): APPROVED,
    (PENDING, SubmissionEvent.REJECT): REJECTED,
    (PENDING, SubmissionEvent.WITHDRAW): WITHDRAWN,
    # Withdrawn while the decision was being applied: photo-storage accepted this print as
    # current, so the decision is recorded.
    (WITHDRAWN, SubmissionEvent.APPROVE): APPROVED,
    (WITHDRAWN, SubmissionEvent.REJECT): REJECTED,
}

# A print in one of these states is already with the court: printing the same version
# again adds no second submission. (A rejected print printed again is a new submission.)
HOLDING_THE_PRINT = (PENDING, APPROVED)


def decision_event(approve: bool) -> SubmissionEvent:
    return SubmissionEvent.APPROVE if approve else SubmissionEvent.REJECT


def next_state(state: str, event: SubmissionEvent) -> SubmissionState:
    """The state after `event`, or FailedPrecondition when the state does not allow it."""
    following = TRANSITIONS.get((SubmissionState(state), event))
    if following is None:
        raise FailedPrecondition(ALREADY_DECIDED)
    return following


def require_open_for_decision(state: str) -> None:
    """A reviewer starts a decision only on a pending submission."""
    if SubmissionState(state) is not PENDING:
        raise FailedPrecondition(ALREADY_DECIDED)


def state_filter(text: str) -> SubmissionState | None:
    """A listing's state filter ("" = every state)."""
    if not text:
        return None
    try:
        return SubmissionState(text)
    except ValueError:
        raise InvalidArgument("查詢條件有誤", fields={"state": "無此審核狀態"}) from None


def decision_id_of(submission_id: str) -> str:
    """One decision per submission: a retry sends photo-storage the same id."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"jes:review-decision:{submission_id}"))


def printed_case_number(photo_set_id: str, year: int, word: str, number: int) -> str:
    """The formal case number of a printed set, by the one case-number rule (jes_zhtw), as
    every service accepts it; a print that breaks it cannot become a submission."""
    try:
        return CaseNumber(year, word, number).formal()
    except ValueError as error:
        raise InvalidArgument(
            f"照片集 {photo_set_id} 的案號不符合案號規則，無法送交審核：{error}",
            fields={"photo_set.case_number": str(error)},
        ) from None


# -- the queue's search and sort -------------------------------------------------------------

QUEUE_SORTS = ("newest", "waiting")  # newest submission first / the longest waiting first


def queue_sort(text: str) -> str:
    """The queue's order; "" is newest first."""
    sort = text.strip() or "newest"
    if sort not in QUEUE_SORTS:
        raise InvalidArgument(
            "查詢條件有誤",
            fields={"sort": "排序方式須為 newest（最新送審在前）或 waiting（等候最久在前）"},
        )
    return sort


@dataclass(frozen=True)
class CaseSearch:
    """What a clerk typed to find a case: a whole case number (exact), a number alone (第N號)
    or any other piece of the formal case number."""

    formal: str = ""
    number: int = 0
    piece: str = ""


def case_search(text: str) -> CaseSearch | None:
    folded = "".join(unicodedata.normalize("NFKC", text).split())
    if not folded:
        return None
    if folded.isdigit():
        return CaseSearch(number=int(folded))
    try:
        return CaseSearch(formal=parse_case_number(folded).formal())
    except ValueError:
        return CaseSearch(piece=folded)

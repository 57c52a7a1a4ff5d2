"""A submission (one printed version of a photo set handed to the court) and its states.

    pending ──decide──▶ deciding ──approve──▶ approved      (photo-storage applied it)
       │                   ├──────reject───▶ rejected
       │                   └──────refuse───▶ not_applied   (photo-storage refused it for good)
       └──withdraw──▶ withdrawn ◀──withdraw──────┘

A reviewer's decision is recorded first ("deciding", with who decided what), then carried
out at photo-storage, idempotently per decision id, by the request itself or, after a
crash or while photo-storage is away, by the decision worker; the outcome is recorded when
photo-storage answers. Withdrawn: the firm printed the set again or changed it after
printing while it was pending, so this print no longer is what the court would decide on.
A change that arrives while a decision is being carried out changes nothing here:
photo-storage's answer (applied before the change, or refused after it) decides. A print
whose decision was not applied is withdrawn like a pending one when a change or a new
print arrives (it keeps the reason the decision was not applied).
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from jes_domain import FailedPrecondition, InvalidArgument
from jes_zhtw import CaseNumber, parse_case_number

ALREADY_DECIDED = "此案件已審核或已撤回"
NOT_FOUND = "查無此審核案件"
OTHER_DECISION_APPLIED = "此案件已有不同的審核結果，請重新整理後再試"


class SubmissionState(StrEnum):
    PENDING = "pending"
    DECIDING = "deciding"  # decided; photo-storage is carrying it out
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    NOT_APPLIED = "not_applied"  # photo-storage refused the decision for good


class SubmissionEvent(StrEnum):
    DECIDE = "decide"  # a reviewer's decision, recorded
    APPROVE = "approve"  # photo-storage applied the approval
    REJECT = "reject"  # photo-storage applied the rejection
    REFUSE = "refuse"  # photo-storage refused the decision for good
    WITHDRAW = "withdraw"  # printed again, or changed after printing


PENDING = SubmissionState.PENDING
DECIDING = SubmissionState.DECIDING
APPROVED = SubmissionState.APPROVED
REJECTED = SubmissionState.REJECTED
WITHDRAWN = SubmissionState.WITHDRAWN
NOT_APPLIED = SubmissionState.NOT_APPLIED

TRANSITIONS: dict[tuple[SubmissionState, SubmissionEvent], SubmissionState] = {
    (PENDING, SubmissionEvent.DECIDE): DECIDING,
    (PENDING, SubmissionEvent.WITHDRAW): WITHDRAWN,
    (DECIDING, SubmissionEvent.APPROVE): APPROVED,
    (DECIDING, SubmissionEvent.REJECT): REJECTED,
    (DECIDING, SubmissionEvent.REFUSE): NOT_APPLIED,
    (NOT_APPLIED, SubmissionEvent.WITHDRAW): WITHDRAWN,
}

# What a change after print or a new print withdraws.
WITHDRAWABLE = (PENDING, NOT_APPLIED)

# A print in one of these states is already with the court: printing the same version
# again adds no second submission. (A rejected print printed again is a new submission.)
HOLDING_THE_PRINT = (PENDING, DECIDING, APPROVED)

APPROVE_DECISION = "approve"
REJECT_DECISION = "reject"

# Why a submission was withdrawn, as its audit entry says.
CHANGED_AFTER_PRINT = "changed_after_print"
PRINTED_AGAIN = "printed_again"

# Carrying a decision out: one call to photo-storage (or identity) takes at most
# CALL_TIMEOUT (well within the gateway's 10 s, so a clerk waiting gets "deciding" rather
# than a timeout); an attempt holds its decision for LEASE, so a second worker (another
# replica, or this one after a restart) takes it over only once the first has given up.
CALL_TIMEOUT = timedelta(seconds=5)
LEASE = timedelta(seconds=15)
MAX_RETRY_DELAY = timedelta(minutes=5)


def retry_delay(attempts: int) -> timedelta:
    """The pause after the `attempts`-th failed attempt (the target away, a crash): 2, 4,
    8, ... seconds, at most MAX_RETRY_DELAY. A decision is never given up on: only a
    refusal for good ends it."""
    return min(timedelta(seconds=2 ** min(attempts, 16)), MAX_RETRY_DELAY)


def decision_event(approve: bool) -> SubmissionEvent:
    """The event of photo-storage having applied the decision."""
    return SubmissionEvent.APPROVE if approve else SubmissionEvent.REJECT


def decision_name(approve: bool) -> str:
    return APPROVE_DECISION if approve else REJECT_DECISION


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

"""The photo-storage events that start a review or void one.

Each runs in the consumer's transaction with the record of the event id, so a replayed
event changes nothing; the fingerprint check also makes a second event about the same
print harmless. An event that breaks a rule (a case number no service accepts) raises a
domain error that names the set and the problem, which is what its dead letter says.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from jes.events.v1.envelope_pb2 import Envelope
from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb
from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes_db.audit import Actor
from jes_events import Outbox
from jes_protos import open_envelope
from jes_review_workflow.domain import submissions
from jes_review_workflow.domain.audit import submission_action
from jes_review_workflow.domain.submissions import (
    HOLDING_THE_PRINT,
    REJECTED,
    SubmissionEvent,
)
from jes_review_workflow.messages import submission_message, submission_snapshot
from jes_review_workflow.models import Submission, audit_log


class PhotoSetSubmittedHandler:
    """A print becomes a pending submission (it replaces the set's older pending one);
    the court's clerks are told."""

    def __init__(self, outbox: Outbox):
        self.outbox = outbox

    def __call__(self, session: Session, envelope: Envelope) -> None:
        event = cast(
            photo_pb.PhotoSetSubmitted, open_envelope(envelope, photo_pb.PhotoSetSubmitted)
        )
        photo_set = event.photo_set
        case_number = submissions.printed_case_number(
            photo_set.id,
            photo_set.case_number.year,
            photo_set.case_number.word,
            photo_set.case_number.number,
        )
        same_print = select(Submission.id).where(
            Submission.photo_set_id == photo_set.id,
            Submission.fingerprint == event.fingerprint,
            Submission.state.in_([state.value for state in HOLDING_THE_PRINT]),
        )
        if session.scalar(same_print) is not None:
            return  # the same version printed again: it is already with the court
        withdraw_pending(
            session,
            select(Submission).where(Submission.photo_set_id == photo_set.id),
            because=submissions.PRINTED_AGAIN,
        )
        last_rejected = (
            select(Submission.fingerprint)
            .where(Submission.photo_set_id == photo_set.id, Submission.state == REJECTED.value)
            .order_by(Submission.decided_at.desc())
            .limit(1)
        )
        submission = Submission(
            photo_set_id=photo_set.id,
            court_code=photo_set.court_code,
            case_number=case_number,
            division=photo_set.division,
            batch=photo_set.batch or 1,
            report_id=event.report_id,
            fingerprint=event.fingerprint,
            set_version=photo_set.version,
            pages=event.pages,
            previous_rejected_fingerprint=session.scalar(last_rejected) or "",
            firm_account_id=photo_set.firm_account_id,
            firm_name=photo_set.firm_name,
            firm_email=event.firm_email,
            reasons=[],
        )
        session.add(submission)
        session.flush()
        self.outbox.add(
            session,
            pb.ReviewRequested(
                submission=submission_message(submission), firm_name=submission.firm_name
            ),
            subject=submission.id,
            trace_id=envelope.trace_id,
        )


class PhotoSetChangedAfterPrintHandler:
    """The set changed after it was printed: the court can no longer act on that print."""

    def __call__(self, session: Session, envelope: Envelope) -> None:
        event = cast(
            photo_pb.PhotoSetChangedAfterPrint,
            open_envelope(envelope, photo_pb.PhotoSetChangedAfterPrint),
        )
        withdraw_pending(
            session,
            select(Submission).where(
                Submission.photo_set_id == event.photo_set.id,
                Submission.fingerprint == event.fingerprint,
            ),
            because=submissions.CHANGED_AFTER_PRINT,
        )


def withdraw_pending(session: Session, among: Select[Submission], because: str) -> None:
    """Withdraw the open submissions `among` selects (pending, or with a decision that was
    not applied), each with its audit entry. A decision in progress is left to
    photo-storage's answer (domain/submissions.py)."""
    open_states = [state.value for state in submissions.WITHDRAWABLE]
    for submission in session.scalars(among.where(Submission.state.in_(open_states))):
        before = submission_snapshot(submission)
        withdrawn = submissions.next_state(submission.state, SubmissionEvent.WITHDRAW)
        submission.state = withdrawn.value
        audit_log.record(
            session,
            # The firm's change or new print, as photo-storage reported it.
            Actor.service("photo-storage"),
            submission_action(withdrawn),
            subject_type="submission",
            subject_id=submission.id,
            court_code=submission.court_code,
            before=before,
            after={**submission_snapshot(submission), "withdrawn_because": because},
        )

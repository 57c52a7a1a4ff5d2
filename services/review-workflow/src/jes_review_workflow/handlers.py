"""The photo-storage events that start a review or void one.

Each runs in the consumer's transaction with the record of the event id, so a replayed
event changes nothing; the fingerprint check also makes a second event about the same
print harmless."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jes.events.v1.envelope_pb2 import Envelope
from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb
from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes_events import Outbox
from jes_protos import open_envelope
from jes_review_workflow.messages import submission_message
from jes_review_workflow.models import APPROVED, PENDING, REJECTED, WITHDRAWN, Submission
from jes_zhtw import CaseNumber


class PhotoSetSubmittedHandler:
    """A print becomes a pending submission (it replaces the set's older pending one);
    the court's clerks are told."""

    def __init__(self, outbox: Outbox):
        self.outbox = outbox

    def __call__(self, session: Session, envelope: Envelope) -> None:
        event = open_envelope(envelope, photo_pb.PhotoSetSubmitted)
        photo_set = event.photo_set
        same_print = select(Submission.id).where(
            Submission.photo_set_id == photo_set.id,
            Submission.fingerprint == event.fingerprint,
            Submission.state.in_([PENDING, APPROVED]),
        )
        if session.scalar(same_print) is not None:
            return  # the same version printed again: it is already with the court
        older_pending = select(Submission).where(
            Submission.photo_set_id == photo_set.id, Submission.state == PENDING
        )
        for older in session.scalars(older_pending):
            older.state = WITHDRAWN
        last_rejected = (
            select(Submission.fingerprint)
            .where(Submission.photo_set_id == photo_set.id, Submission.state == REJECTED)
            .order_by(Submission.decided_at.desc())
            .limit(1)
        )
        case = CaseNumber(
            photo_set.case_number.year, photo_set.case_number.word, photo_set.case_number.number
        )
        submission = Submission(
            photo_set_id=photo_set.id,
            court_code=photo_set.court_code,
            case_number=case.formal(),
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
        event = open_envelope(envelope, photo_pb.PhotoSetChangedAfterPrint)
        voided = select(Submission).where(
            Submission.photo_set_id == event.photo_set.id,
            Submission.fingerprint == event.fingerprint,
            Submission.state == PENDING,
        )
        for submission in session.scalars(voided):
            submission.state = WITHDRAWN

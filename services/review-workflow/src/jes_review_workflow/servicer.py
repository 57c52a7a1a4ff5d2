"""ReviewWorkflowService and the handlers of the events that start a review."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jes.events.v1.envelope_pb2 import Envelope
from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb
from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes.review_workflow.v1 import review_workflow_pb2_grpc as pb_grpc
from jes_db import Database
from jes_events import Outbox
from jes_grpckit import current_claims
from jes_protos import open_envelope
from jes_review_workflow.models import Submission
from jes_zhtw import CaseNumber


def submission_message(submission: Submission) -> pb.Submission:
    message = pb.Submission(
        id=submission.id,
        photo_set_id=submission.photo_set_id,
        court_code=submission.court_code,
        case_number=submission.case_number,
        report_id=submission.report_id,
        fingerprint=submission.fingerprint,
        state=submission.state,
    )
    message.submitted_at.FromDatetime(submission.submitted_at)
    return message


class PhotoSetSubmittedHandler:
    """A printed photo set becomes a pending submission; the court's clerks are told."""

    def __init__(self, outbox: Outbox):
        self.outbox = outbox

    def __call__(self, session: Session, envelope: Envelope) -> None:
        event = open_envelope(envelope, photo_pb.PhotoSetSubmitted)
        known = select(Submission.id).where(Submission.fingerprint == event.fingerprint)
        if session.scalar(known) is not None:
            return  # the same version printed again: it is already waiting for review
        photo_set = event.photo_set
        case = CaseNumber(
            photo_set.case_number.year, photo_set.case_number.word, photo_set.case_number.number
        )
        submission = Submission(
            photo_set_id=photo_set.id,
            court_code=photo_set.court_code,
            case_number=case.formal(),
            report_id=event.report_id,
            fingerprint=event.fingerprint,
        )
        session.add(submission)
        session.flush()
        self.outbox.add(
            session,
            pb.ReviewRequested(submission=submission_message(submission)),
            subject=submission.id,
            trace_id=envelope.trace_id,
        )


class ReviewWorkflowServicer(pb_grpc.ReviewWorkflowServiceServicer):
    def __init__(self, db: Database):
        self.db = db

    def ListSubmissions(self, request: pb.ListSubmissionsRequest, context: object) -> object:
        claims = current_claims()
        claims.require_role("clerk", "admin")
        claims.require_court(request.court_code)
        query = select(Submission).where(Submission.court_code == request.court_code)
        if request.state:
            query = query.where(Submission.state == request.state)
        with self.db.transaction() as session:
            rows = session.scalars(query.order_by(Submission.submitted_at)).all()
            return pb.ListSubmissionsResponse(submissions=[submission_message(s) for s in rows])

"""Deciding a submission.

The reviewer's token is first exchanged at identity for a grant bound to this decision
(grants.py; identity away: nothing is recorded, UNAVAILABLE). The decision is then
recorded, in one transaction: the submission becomes "deciding" with who decided what,
when, and the grant. Then it is carried out at photo-storage (carry_out.py):
right away by this request, and, if that does not finish (photo-storage away, a crash),
by the decision worker, so the clerk never has to decide twice. The audit entry and the
ReviewDecided event are written with the outcome.
"""

from __future__ import annotations

from collections.abc import Sequence

from jes.identity.v1.identity_pb2_grpc import IdentityServiceStub
from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes_auth import Claims
from jes_db import Database, utcnow
from jes_grpckit import Client
from jes_review_workflow.carry_out import CarryOutDecisions
from jes_review_workflow.domain import access, submissions
from jes_review_workflow.domain.decisions import (
    PhotoReason,
    decided_reasons,
    validate_decision,
)
from jes_review_workflow.domain.submissions import LEASE, SubmissionEvent
from jes_review_workflow.grants import PHOTO_SET_REVIEW, decision_grant
from jes_review_workflow.queries import visible_submission
from jes_servicekit.audit import actor_of


class DecideSubmission:
    def __init__(
        self, db: Database, identity: Client[IdentityServiceStub], carry_out: CarryOutDecisions
    ):
        self.db = db
        self.identity = identity
        self.carry_out = carry_out

    def __call__(
        self,
        claims: Claims,
        submission_id: str,
        approve: bool,
        reasons: Sequence[PhotoReason],
        note: str,
    ) -> pb.Submission:
        access.require_reviewer(claims)
        validate_decision(submission_id, approve, note, reasons)
        with self.db.transaction() as session:
            submission = visible_submission(session, claims, submission_id)
            submissions.require_open_for_decision(submission.state)
            photo_set_id, fingerprint = submission.photo_set_id, submission.fingerprint
            court_code = submission.court_code
        grant = decision_grant(
            self.identity,
            kind=PHOTO_SET_REVIEW,
            target_id=photo_set_id,
            version=fingerprint,
            approve=approve,
            decision_id=submissions.decision_id_of(submission_id),
            court_code=court_code,
        )
        with self.db.transaction() as session:
            submission = visible_submission(session, claims, submission_id, for_update=True)
            submissions.require_open_for_decision(submission.state)
            now = utcnow()
            submission.state = submissions.next_state(
                submission.state, SubmissionEvent.DECIDE
            ).value
            submission.decision = submissions.decision_name(approve)
            submission.decided_at = now
            submission.decided_by = claims.display_id
            submission.decided_by_role = actor_of(claims).role
            submission.note = note.strip()
            submission.reasons = decided_reasons(reasons)
            submission.decision_grant = grant
            # This request makes the first attempt; the worker waits for it that long.
            submission.attempts = 1
            submission.next_attempt_at = now + LEASE
        return self.carry_out.submission(submission_id)

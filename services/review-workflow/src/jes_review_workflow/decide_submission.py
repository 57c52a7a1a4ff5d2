"""Deciding a submission.

The decision is carried out by photo-storage first, then recorded here with its audit
entry and event in one transaction. So the log never claims a decision that was not
applied; photo-storage is idempotent per decision id, so a retry after a crash in between
completes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc
from sqlalchemy import select

from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb
from jes.photo_storage.v1.photo_storage_pb2_grpc import PhotoStorageServiceStub
from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes_auth import Claims
from jes_db import Database, utcnow
from jes_domain import FailedPrecondition
from jes_events import Outbox
from jes_grpckit import Client, current_user_token, request_id_var
from jes_review_workflow.domain import access, submissions
from jes_review_workflow.domain.audit import submission_action
from jes_review_workflow.domain.decisions import (
    PhotoReason,
    decided_reasons,
    firm_facing_text,
    validate_decision,
)
from jes_review_workflow.messages import submission_message, submission_snapshot
from jes_review_workflow.models import Submission, audit_log
from jes_review_workflow.queries import visible_submission
from jes_review_workflow.remote import passed_on
from jes_servicekit.audit import actor_of


class DecideSubmission:
    def __init__(
        self, db: Database, outbox: Outbox, photo_storage: Client[PhotoStorageServiceStub]
    ):
        self.db = db
        self.outbox = outbox
        self.photo_storage = photo_storage

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
        recorded_reasons = decided_reasons(reasons)
        note = note.strip()
        self._apply_to_photo_set(
            submission_id,
            photo_set_id,
            fingerprint,
            approve,
            recorded_reasons,
            note,
        )
        with self.db.transaction() as session:
            locked = session.scalar(
                select(Submission).where(Submission.id == submission_id).with_for_update()
            )
            assert locked is not None
            submission = locked
            # Another reviewer's identical decision got here first: already decided.
            decided = submissions.next_state(submission.state, submissions.decision_event(approve))
            before = submission_snapshot(submission)
            submission.state = decided.value
            submission.decided_at = utcnow()
            submission.decided_by = claims.display_id
            submission.note = note
            submission.reasons = recorded_reasons
            session.flush()
            audit_log.record(
                session,
                actor_of(claims),
                submission_action(decided),
                subject_type="submission",
                subject_id=submission.id,
                court_code=submission.court_code,
                before=before,
                after=submission_snapshot(submission),
            )
            message = submission_message(submission)
            self.outbox.add(
                session,
                pb.ReviewDecided(submission=message),
                subject=submission.id,
                trace_id=request_id_var.get(),
            )
            return message

    def _apply_to_photo_set(
        self,
        submission_id: str,
        photo_set_id: str,
        fingerprint: str,
        approve: bool,
        reasons: list[dict[str, Any]],
        note: str,
    ) -> None:
        """Carried out for the clerk whose token this call forwards: photo-storage records
        that clerk as the reviewer (review-workflow cannot decide on its own)."""
        request = photo_pb.ApplyReviewDecisionRequest(
            photo_set_id=photo_set_id,
            fingerprint=fingerprint,
            decision_id=submissions.decision_id_of(submission_id),
            decision=photo_pb.DECISION_APPROVE if approve else photo_pb.DECISION_REJECT,
            rejections=[
                photo_pb.PhotoRejection(
                    photo_id=r["photo_id"],
                    reason_code=r["reason_code"],
                    reason=firm_facing_text(r["label"], r["text"]),
                )
                for r in reasons
            ],
            note=note,
        )
        try:
            photo_set = self.photo_storage.as_caller(current_user_token()).ApplyReviewDecision(
                request
            )
        except grpc.RpcError as error:
            # FAILED_PRECONDITION: the firm changed the set after printing; nothing decided.
            raise passed_on(error) from error
        # The same decision id with the other outcome: an earlier attempt (crashed before it
        # was recorded here) or another reviewer decided otherwise.
        opposite = (
            photo_pb.PHOTO_SET_STATUS_REJECTED if approve else photo_pb.PHOTO_SET_STATUS_APPROVED
        )
        if photo_set.status == opposite:
            raise FailedPrecondition(submissions.OTHER_DECISION_APPLIED)

"""Carrying out recorded decisions, and recording their outcome.

A reviewer's decision is first recorded here ("deciding", with who decided what: see
decide_submission.py and decide_firm_application.py). An attempt then asks the owning
service to apply it (photo-storage for a submission, identity for a firm application;
both are idempotent: photo-storage per decision id, identity per application) and records
the outcome in one transaction: the state, the audit entry and, for a submission, the
ReviewDecided event that tells the firm. The request that recorded the decision makes the
first attempt; the decision worker (worker.py) makes any further one, after a crash or
while the owning service is away, so every decision completes with no clerk action:

* applied: approved / rejected (activated / refused), logged once, announced once;
* refused for good (e.g. the set changed after print): not_applied with the service's
  reason, logged once, nothing announced;
* anything else (unavailable, a crash in between): tried again after a pause.

Who decided: every attempt (the request's and the worker's alike) calls the owning
service as review-workflow itself with the decision grant stored with the decision
(grants.py): identity issued it from the reviewer's verified token for this one decision,
so the owning service takes who decided from it, however long after the reviewer's own
token has expired.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import grpc
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from jes.identity.v1 import identity_pb2 as identity_pb
from jes.identity.v1.identity_pb2_grpc import IdentityServiceStub
from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb
from jes.photo_storage.v1.photo_storage_pb2_grpc import PhotoStorageServiceStub
from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes_db import Database, utcnow
from jes_db.audit import Actor
from jes_domain import DomainError, FailedPrecondition, NotFound
from jes_events import Outbox
from jes_grpckit import Client, request_id_var
from jes_review_workflow.domain import submissions
from jes_review_workflow.domain.audit import (
    FIRM_APPLICATION_NOT_APPLIED,
    firm_application_action,
    submission_action,
)
from jes_review_workflow.domain.decisions import (
    APPLICATION_NOT_FOUND,
    FirmDecisionState,
    firm_facing_text,
)
from jes_review_workflow.domain.submissions import (
    APPROVE_DECISION,
    CALL_TIMEOUT,
    DECIDING,
    LEASE,
    SubmissionEvent,
    SubmissionState,
    retry_delay,
)
from jes_review_workflow.messages import (
    decision_message,
    submission_message,
    submission_snapshot,
    undecided_snapshot,
)
from jes_review_workflow.models import FirmApplicationDecision, Submission, audit_log
from jes_review_workflow.queries import firm_decision_of
from jes_review_workflow.remote import refused_for_good

log = logging.getLogger("jes.review_workflow.decisions")

SUBMISSION = "submission"
FIRM_APPLICATION = "firm_application"


def decider(decided_by: str, role: str) -> Actor:
    """The reviewer, as recorded with the decision (rows from before roles were kept were
    all clerks' or admins' decisions; "clerk" is the cautious name)."""
    return Actor(decided_by, role or "clerk")


class CarryOutDecisions:
    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        photo_storage: Client[PhotoStorageServiceStub],
        identity: Client[IdentityServiceStub],
    ):
        self.db = db
        self.outbox = outbox
        self.photo_storage = photo_storage
        self.identity = identity

    # -- what the worker does -----------------------------------------------------------

    def due(self, now: datetime, limit: int = 20) -> list[tuple[str, str]]:
        """Decisions in progress whose next attempt is due, oldest first."""
        with self.db.transaction() as session:
            submission_ids = session.scalars(
                select(Submission.id)
                .where(Submission.state == DECIDING.value, Submission.next_attempt_at <= now)
                .order_by(Submission.next_attempt_at)
                .limit(limit)
            ).all()
            application_ids = session.scalars(
                select(FirmApplicationDecision.application_id)
                .where(
                    FirmApplicationDecision.state == FirmDecisionState.DECIDING.value,
                    FirmApplicationDecision.next_attempt_at <= now,
                )
                .order_by(FirmApplicationDecision.next_attempt_at)
                .limit(limit)
            ).all()
        return [(SUBMISSION, i) for i in submission_ids] + [
            (FIRM_APPLICATION, i) for i in application_ids
        ]

    def claim(self, kind: str, key: str, now: datetime) -> bool:
        """Take a due decision for one attempt (held for LEASE); False when another worker
        took it first or it is done."""
        if kind == SUBMISSION:
            taken = (
                update(Submission)
                .where(
                    Submission.id == key,
                    Submission.state == DECIDING.value,
                    Submission.next_attempt_at <= now,
                )
                .values(attempts=Submission.attempts + 1, next_attempt_at=now + LEASE)
            )
        else:
            taken = (
                update(FirmApplicationDecision)
                .where(
                    FirmApplicationDecision.application_id == key,
                    FirmApplicationDecision.state == FirmDecisionState.DECIDING.value,
                    FirmApplicationDecision.next_attempt_at <= now,
                )
                .values(attempts=FirmApplicationDecision.attempts + 1, next_attempt_at=now + LEASE)
            )
        with self.db.transaction() as session:
            result = session.execute(taken)
        return int(getattr(result, "rowcount", 0) or 0) == 1

    def attempt(self, kind: str, key: str) -> None:
        """One attempt of a claimed decision; its outcome is recorded, never raised."""
        try:
            if kind == SUBMISSION:
                self.submission(key)
            else:
                self.firm_application(key)
        except DomainError as refusal:  # recorded as not_applied
            log.info("decision on %s %s not applied: %s", kind, key, refusal.message)

    # -- a submission ---------------------------------------------------------------------

    def submission(self, submission_id: str) -> pb.Submission:
        """One attempt at a submission's decision: the submission as it stands after it.
        Raises photo-storage's refusal when the decision ended not_applied by it."""
        with self.db.transaction() as session:
            row = session.get(Submission, submission_id)
            if row is None:
                raise NotFound(submissions.NOT_FOUND)
            if row.state != DECIDING.value:
                return submission_message(row)
            approve = row.decision == APPROVE_DECISION
            request = apply_request(row)
        try:
            refusal = self._apply_to_photo_set(request, approve)
        except Exception:
            log.warning(
                "decision on submission %s not carried out yet; tried again later",
                submission_id,
                exc_info=True,
            )
            return self._submission_later(submission_id)
        if refusal is not None:
            self._submission_not_applied(submission_id, refusal)
            raise refusal
        try:
            return self._submission_applied(submission_id)
        except Exception:
            log.exception("recording the decision on submission %s failed", submission_id)
            return self._submission_later(submission_id)

    def _apply_to_photo_set(
        self, request: photo_pb.ApplyReviewDecisionRequest, approve: bool
    ) -> DomainError | None:
        """Photo-storage applies the decision (again, after a crash: same decision id, same
        answer); its refusal for good, or None when applied."""
        try:
            photo_set = self.photo_storage.stub.ApplyReviewDecision(
                request, timeout=CALL_TIMEOUT.total_seconds()
            )
        except grpc.RpcError as error:
            refusal = refused_for_good(error)
            if refusal is None:
                raise
            return refusal
        # The same decision id with the other outcome: only an attempt of an earlier version
        # (which carried decisions out before recording them) can have left that.
        opposite = (
            photo_pb.PHOTO_SET_STATUS_REJECTED if approve else photo_pb.PHOTO_SET_STATUS_APPROVED
        )
        if photo_set.status == opposite:
            return FailedPrecondition(submissions.OTHER_DECISION_APPLIED)
        return None

    def _submission_applied(self, submission_id: str) -> pb.Submission:
        with self.db.transaction() as session:
            row = locked_submission(session, submission_id)
            if row.state != DECIDING.value:  # another attempt recorded it first
                return submission_message(row)
            before = undecided_snapshot(row)
            event = submissions.decision_event(row.decision == APPROVE_DECISION)
            decided = submissions.next_state(row.state, event)
            row.state = decided.value
            row.next_attempt_at = None
            _audit_outcome(session, row, decided, before)
            message = submission_message(row)
            self.outbox.add(
                session,
                pb.ReviewDecided(submission=message),
                subject=row.id,
                trace_id=request_id_var.get(),
            )
        log.info("decision on submission %s carried out: %s", submission_id, decided.value)
        return message

    def _submission_not_applied(self, submission_id: str, refusal: DomainError) -> None:
        with self.db.transaction() as session:
            row = locked_submission(session, submission_id)
            if row.state != DECIDING.value:
                return
            before = undecided_snapshot(row)
            ended = submissions.next_state(row.state, SubmissionEvent.REFUSE)
            row.state = ended.value
            row.not_applied_reason = refusal.message
            row.next_attempt_at = None
            _audit_outcome(session, row, ended, before)

    def _submission_later(self, submission_id: str) -> pb.Submission:
        with self.db.transaction() as session:
            row = locked_submission(session, submission_id)
            if row.state == DECIDING.value:
                row.next_attempt_at = utcnow() + retry_delay(row.attempts)
            return submission_message(row)

    # -- a firm application -------------------------------------------------------------

    def firm_application(self, application_id: str) -> pb.FirmApplicationDecision:
        """One attempt at a decision on a firm's application: the decision as it stands
        after it. Raises identity's refusal when the decision ended not_applied by it."""
        with self.db.transaction() as session:
            row = firm_decision_of(session, application_id)
            if row is None:
                raise NotFound(APPLICATION_NOT_FOUND)
            if row.state != FirmDecisionState.DECIDING.value:
                return decision_message(row)
            request = identity_pb.DecideFirmApplicationRequest(
                application_id=row.application_id,
                approve=row.approved,
                reason=row.reason,
                decision_id=row.id,
                decision_grant=row.decision_grant,
            )
        try:
            decided = self.identity.stub.DecideFirmApplication(
                request, timeout=CALL_TIMEOUT.total_seconds()
            )
        except grpc.RpcError as error:
            refusal = refused_for_good(error)
            if refusal is None:
                log.warning(
                    "decision on firm application %s not carried out yet; tried again later",
                    application_id,
                    exc_info=True,
                )
                return self._firm_later(application_id)
            self._firm_not_applied(application_id, refusal)
            raise refusal from None
        except Exception:
            log.warning("decision on firm application %s failed", application_id, exc_info=True)
            return self._firm_later(application_id)
        try:
            return self._firm_applied(application_id, decided.account_id)
        except Exception:
            log.exception("recording the decision on firm application %s failed", application_id)
            return self._firm_later(application_id)

    def _firm_applied(self, application_id: str, account_id: str) -> pb.FirmApplicationDecision:
        with self.db.transaction() as session:
            row = locked_firm_decision(session, application_id)
            if row.state != FirmDecisionState.DECIDING.value:
                return decision_message(row)
            row.state = FirmDecisionState.APPLIED.value
            row.account_id = account_id
            row.next_attempt_at = None
            session.flush()
            audit_log.record(
                session,
                decider(row.decided_by, row.decided_by_role),
                firm_application_action(row.approved),
                subject_type="firm_application",
                subject_id=row.application_id,
                court_code=row.court_code,
                before=application_before(row),
                after={
                    "status": "activated" if row.approved else "refused",
                    "company_name": row.company_name,
                    "email": row.email,
                    "account_id": row.account_id,
                    "reason": row.reason,
                    "decided_by": row.decided_by,
                },
            )
            return decision_message(row)

    def _firm_not_applied(self, application_id: str, refusal: DomainError) -> None:
        with self.db.transaction() as session:
            row = locked_firm_decision(session, application_id)
            if row.state != FirmDecisionState.DECIDING.value:
                return
            row.state = FirmDecisionState.NOT_APPLIED.value
            row.not_applied_reason = refusal.message
            row.next_attempt_at = None
            session.flush()
            audit_log.record(
                session,
                decider(row.decided_by, row.decided_by_role),
                FIRM_APPLICATION_NOT_APPLIED,
                subject_type="firm_application",
                subject_id=row.application_id,
                court_code=row.court_code,
                before=application_before(row),
                after={
                    "status": "pending",
                    "company_name": row.company_name,
                    "email": row.email,
                    "decision": "activate" if row.approved else "refuse",
                    "reason": row.reason,
                    "decided_by": row.decided_by,
                    "not_applied_reason": row.not_applied_reason,
                },
            )

    def _firm_later(self, application_id: str) -> pb.FirmApplicationDecision:
        with self.db.transaction() as session:
            row = locked_firm_decision(session, application_id)
            if row.state == FirmDecisionState.DECIDING.value:
                row.next_attempt_at = utcnow() + retry_delay(row.attempts)
            return decision_message(row)


def apply_request(submission: Submission) -> photo_pb.ApplyReviewDecisionRequest:
    """The recorded decision as photo-storage applies it (the same on every attempt)."""
    approve = submission.decision == APPROVE_DECISION
    return photo_pb.ApplyReviewDecisionRequest(
        photo_set_id=submission.photo_set_id,
        fingerprint=submission.fingerprint,
        decision_id=submissions.decision_id_of(submission.id),
        decision=photo_pb.DECISION_APPROVE if approve else photo_pb.DECISION_REJECT,
        rejections=[
            photo_pb.PhotoRejection(
                photo_id=r["photo_id"],
                reason_code=r["reason_code"],
                reason=firm_facing_text(r["label"], r["text"]),
            )
            for r in submission.reasons
        ],
        note=submission.note,
        decision_grant=submission.decision_grant,
    )


def application_before(row: FirmApplicationDecision) -> dict[str, str]:
    return {"status": "pending", "company_name": row.company_name, "email": row.email}


def locked_submission(session: Session, submission_id: str) -> Submission:
    row = session.get(Submission, submission_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFound(submissions.NOT_FOUND)
    return row


def locked_firm_decision(session: Session, application_id: str) -> FirmApplicationDecision:
    row = session.scalar(
        select(FirmApplicationDecision)
        .where(FirmApplicationDecision.application_id == application_id)
        .with_for_update()
    )
    if row is None:
        raise NotFound(APPLICATION_NOT_FOUND)
    return row


def _audit_outcome(
    session: Session, row: Submission, ended: SubmissionState, before: dict[str, Any]
) -> None:
    """One audit entry per decision's outcome, in the clerk's name (who decided)."""
    session.flush()
    audit_log.record(
        session,
        decider(row.decided_by, row.decided_by_role),
        submission_action(ended),
        subject_type="submission",
        subject_id=row.id,
        court_code=row.court_code,
        before=before,
        after=submission_snapshot(row),
    )

"""A court decision completes by itself: review-workflow records it first (the submission
is "deciding"), then carries it out at photo-storage (idempotent per decision id) and
records the outcome. A crash or an unreachable photo-storage in between leaves a decision
the worker resumes, with no clerk action; a refusal for good ends "not_applied".

Against a stand-in photo-storage that records what it is sent and can be told to be
unreachable or to refuse."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import grpc
import pytest

from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb
from jes.photo_storage.v1 import photo_storage_pb2_grpc as photo_grpc
from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes_auth import AuthError, DecisionBinding, TokenVerifier
from jes_db import utcnow
from jes_domain import FailedPrecondition, Unavailable
from jes_grpckit import GrpcServer, current_caller
from jes_review_workflow.domain.submissions import decision_id_of
from jes_review_workflow.models import Submission, audit_log
from support import callers
from support.processes import wait_until

CHANGED_AFTER_PRINT = "廠商已於列印後修改此案件，請待重新列印後再審"


@dataclass
class RecordingPhotoStorage(photo_grpc.PhotoStorageServiceServicer):
    """Applies whatever it is sent; `applied` remembers the outcome per decision id, as the
    real one does, and answers a repeated id with that first outcome. `unavailable` makes
    it answer UNAVAILABLE (as if down) that many times; `refusal` refuses every decision
    with FAILED_PRECONDITION and that message."""

    requests: list[photo_pb.ApplyReviewDecisionRequest] = field(default_factory=list)
    callers: list[str] = field(default_factory=list)
    applied: dict[str, int] = field(default_factory=dict)
    unavailable: int = 0
    refusal: str = ""

    def ApplyReviewDecision(self, request: Any, context: Any) -> photo_pb.PhotoSet:
        self.requests.append(request)
        self.callers.append(str(current_caller()))
        if self.unavailable:
            self.unavailable -= 1
            raise Unavailable("暫停服務")
        if self.refusal:
            raise FailedPrecondition(self.refusal)
        status = (
            photo_pb.PHOTO_SET_STATUS_APPROVED
            if request.decision == photo_pb.DECISION_APPROVE
            else photo_pb.PHOTO_SET_STATUS_REJECTED
        )
        status = self.applied.setdefault(request.decision_id, status)
        return photo_pb.PhotoSet(id=request.photo_set_id, status=status)


@pytest.fixture
def photo_storage() -> RecordingPhotoStorage:
    return RecordingPhotoStorage()


@pytest.fixture
def photo_storage_addr(identity, photo_storage) -> Iterator[str]:
    server = GrpcServer(
        "photo-storage",
        port=0,
        verifier=TokenVerifier(identity.keys.jwks),
        tls=callers.identity(identity.pki, "photo-storage"),
    )
    server.add(
        photo_grpc.add_PhotoStorageServiceServicer_to_server,
        photo_storage,
        "jes.photo_storage.v1.PhotoStorageService",
    )
    server.start()
    yield f"127.0.0.1:{server.port}"
    server.stop(0)


@pytest.fixture
def review(identity, photo_storage_addr, start_review_service) -> Any:
    return start_review_service(
        identity.keys, JES_PHOTO_STORAGE_ADDR=photo_storage_addr, JES_IDENTITY_ADDR=identity.addr
    )


@pytest.fixture
def pending(review):
    review.publish(review.submitted(court_code="TPD"))
    review.consume()
    [submission] = review.submissions()
    return submission


def approve(review, submission_id: str):
    return review.clerk("TPD").call(
        "DecideSubmission", pb.DecideSubmissionRequest(submission_id=submission_id, approve=True)
    )


def later(seconds: float = 3600) -> Any:
    return utcnow() + timedelta(seconds=seconds)


def test_a_decision_is_recorded_at_once_and_carried_out_when_photo_storage_is_back(
    review, pending, photo_storage, identity
):
    photo_storage.unavailable = 1
    taken = approve(review, pending.id)
    # The clerk sees the decision as taken, being carried out.
    assert (taken.state, taken.decision, taken.decided_by) == ("deciding", "approve", "TPDCLERK")
    assert taken.decided_at.seconds > 0
    assert review.audit() == []  # logged with its outcome
    assert review.events(pb.ReviewDecided) == []  # the firm is told once it is applied
    assert review.carry_out(now=utcnow()) == 0  # not due yet: tried again after a pause

    assert review.carry_out(now=later()) == 1
    done = review.submission(pending.id)
    assert (done.state, done.decided_by) == ("approved", "TPDCLERK")
    first, retry = photo_storage.requests
    assert first.decision_id == retry.decision_id == decision_id_of(pending.id)
    # Both attempts (the request's and the worker's) as review-workflow itself, with the
    # grant identity issued for the clerk whose token the request carried.
    assert photo_storage.callers == ["service:review-workflow", "service:review-workflow"]
    assert first.decision_grant == retry.decision_grant
    grant = TokenVerifier(identity.keys.jwks).verify_decision_grant(first.decision_grant)
    assert grant.decider.display_id == "TPDCLERK" and grant.actor == "review-workflow"
    assert grant.binding == DecisionBinding(
        "photo_set_review",
        pending.photo_set_id,
        pending.fingerprint,
        "approve",
        decision_id_of(pending.id),
        "TPD",
    )
    [entry] = review.audit()
    assert (entry.action, entry.actor_account_id, entry.actor_role) == (
        "submission.approved",
        "TPDCLERK",
        "clerk",
    )
    assert json.loads(entry.before_json)["state"] == "pending"
    assert json.loads(entry.after_json)["state"] == "approved"
    [(_, event)] = review.events(pb.ReviewDecided)
    assert event.submission.state == "approved"
    assert review.carry_out(now=later(7200)) == 0  # done: nothing left


def test_a_crash_after_photo_storage_applied_is_completed_without_the_clerk(
    review, pending, photo_storage, monkeypatch
):
    """The process dies after photo-storage applied the decision, before its completion
    is recorded here: the decision stays "deciding" and the worker completes it."""
    real_record = audit_log.record

    def crash_once(*args: Any, **kwargs: Any) -> str:
        monkeypatch.setattr(audit_log, "record", real_record)
        raise RuntimeError("the process died here")

    monkeypatch.setattr(audit_log, "record", crash_once)
    taken = approve(review, pending.id)
    assert taken.state == "deciding"
    assert photo_storage.applied == {decision_id_of(pending.id): photo_pb.PHOTO_SET_STATUS_APPROVED}
    assert review.events(pb.ReviewDecided) == []

    assert review.carry_out(now=later()) == 1
    assert review.submission(pending.id).state == "approved"
    first, retry = photo_storage.requests
    assert first.decision_id == retry.decision_id == decision_id_of(pending.id)
    assert (retry.photo_set_id, retry.fingerprint) == (pending.photo_set_id, pending.fingerprint)
    assert retry.decision == photo_pb.DECISION_APPROVE
    assert [e.action for e in review.audit()] == ["submission.approved"]
    assert len(review.events(pb.ReviewDecided)) == 1


def test_an_unfinished_decision_is_resumed_after_a_restart(
    identity, photo_storage, photo_storage_addr, start_review_service, pending, review
):
    """Recorded, then the process stops before photo-storage could apply it; the service
    started again on the same database finishes it by itself."""
    photo_storage.unavailable = 1
    assert approve(review, pending.id).state == "deciding"
    review.stop()

    again = start_review_service(
        identity.keys, JES_PHOTO_STORAGE_ADDR=photo_storage_addr, JES_IDENTITY_ADDR=identity.addr
    )
    again.start_worker(poll_interval=0.05, now=later)
    wait_until(
        lambda: again.submission(pending.id).state == "approved", timeout=20, what="resumption"
    )
    assert [e.action for e in again.audit()] == ["submission.approved"]
    assert len(again.events(pb.ReviewDecided)) == 1
    assert len(photo_storage.applied) == 1


def test_a_decision_photo_storage_refuses_for_good_ends_not_applied(review, pending, photo_storage):
    """The firm changed the set after printing: the clerk is told at once, and the
    submission shows that the decision was not carried out, and why."""
    photo_storage.refusal = CHANGED_AFTER_PRINT
    with pytest.raises(grpc.RpcError) as caught:
        approve(review, pending.id)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert caught.value.details() == CHANGED_AFTER_PRINT
    got = review.clerk("TPD").call(
        "GetSubmission", pb.GetSubmissionRequest(submission_id=pending.id)
    )
    assert (got.state, got.decision, got.not_applied_reason) == (
        "not_applied",
        "approve",
        CHANGED_AFTER_PRINT,
    )
    [entry] = review.audit()
    assert (entry.action, entry.actor_account_id) == ("submission.not_applied", "TPDCLERK")
    after = json.loads(entry.after_json)
    assert (after["state"], after["decision"], after["not_applied_reason"]) == (
        "not_applied",
        "approve",
        CHANGED_AFTER_PRINT,
    )
    assert review.events(pb.ReviewDecided) == []
    assert review.carry_out(now=later()) == 0  # ended: never tried again
    with pytest.raises(grpc.RpcError) as again:
        approve(review, pending.id)
    assert again.value.details() == "此案件已審核或已撤回"


def test_a_refusal_found_by_the_worker_ends_not_applied_too(review, pending, photo_storage):
    photo_storage.unavailable = 1
    assert approve(review, pending.id).state == "deciding"
    photo_storage.refusal = CHANGED_AFTER_PRINT
    assert review.carry_out(now=later()) == 1
    done = review.submission(pending.id)
    assert (done.state, done.not_applied_reason) == ("not_applied", CHANGED_AFTER_PRINT)
    assert [e.action for e in review.audit()] == ["submission.not_applied"]


def test_a_retry_with_the_other_outcome_is_refused(review, pending, photo_storage):
    """Photo-storage already holds a rejection under this submission's decision id (an
    attempt that crashed before it was recorded): approving now would contradict it."""
    photo_storage.applied[decision_id_of(pending.id)] = photo_pb.PHOTO_SET_STATUS_REJECTED
    with pytest.raises(grpc.RpcError) as caught:
        approve(review, pending.id)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert caught.value.details() == "此案件已有不同的審核結果，請重新整理後再試"
    done = review.submission(pending.id)
    assert (done.state, done.not_applied_reason) == (
        "not_applied",
        "此案件已有不同的審核結果，請重新整理後再試",
    )
    assert [e.action for e in review.audit()] == ["submission.not_applied"]
    assert review.events(pb.ReviewDecided) == []


def test_attempts_back_off_while_photo_storage_is_away(review, pending, photo_storage):
    photo_storage.unavailable = 100
    approve(review, pending.id)
    waits = []
    for _ in range(4):
        before = review.submission(pending.id).next_attempt_at
        assert review.carry_out(now=later(10**6)) == 1
        after = review.submission(pending.id)
        assert after.state == "deciding"
        waits.append(after.next_attempt_at - utcnow())
        assert before is not None
    assert waits == sorted(waits) and waits[-1] > waits[0]  # longer pauses, never given up
    assert review.submission(pending.id).attempts == 5


def test_a_change_after_printing_leaves_a_decision_in_progress_to_photo_storage(
    review, pending, photo_storage
):
    """The withdrawal arrives while the decision is being carried out: photo-storage's
    answer decides (here it had applied the decision before the change)."""
    photo_storage.unavailable = 1
    assert approve(review, pending.id).state == "deciding"
    review.publish(review.changed_after_print(pending.photo_set_id, pending.fingerprint))
    review.consume()
    assert review.submission(pending.id).state == "deciding"
    assert review.carry_out(now=later()) == 1
    assert review.submission(pending.id).state == "approved"


def test_decision_ids_differ_per_submission():
    assert decision_id_of("s-1") == decision_id_of("s-1")
    assert decision_id_of("s-1") != decision_id_of("s-2")


def test_the_decision_row_keeps_who_decided(review, pending, photo_storage):
    """A decision carried out later has no user token at hand: the deciding user is data
    of the decision row, passed on to photo-storage from review-workflow's identity."""
    photo_storage.unavailable = 1
    approve(review, pending.id)
    row: Submission = review.submission(pending.id)
    assert (row.decided_by, row.decided_by_role) == ("TPDCLERK", "clerk")


def test_one_decision_is_claimed_by_one_worker_at_a_time(review, pending, photo_storage):
    """Two replicas (or a restarted process and a late attempt) never work on one decision
    at once: the first claim holds it for the lease."""
    photo_storage.unavailable = 1
    approve(review, pending.id)
    carry_out = review.worker.carry_out
    now = later()
    assert carry_out.due(now) == [("submission", pending.id)]
    assert carry_out.claim("submission", pending.id, now) is True
    assert carry_out.claim("submission", pending.id, now) is False  # held
    assert carry_out.due(now) == []
    assert carry_out.claim("submission", pending.id, later(3600 + 20)) is True  # lease over


def test_without_identity_no_decision_is_recorded(service):
    """The grant is asked for before anything is recorded: identity away, the clerk is told
    to try again (UNAVAILABLE) and the submission stays pending, with nothing half-done."""
    service.publish(service.submitted(court_code="TPD"))
    service.consume()
    [pending] = service.submissions()
    with pytest.raises(grpc.RpcError) as caught:
        approve(service, pending.id)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert caught.value.details() == "身分驗證服務暫時無法使用，審核結果未登錄，請稍後再試"
    row = service.submission(pending.id)
    assert (row.state, row.decision, row.decided_by, row.decision_grant) == ("pending", "", "", "")
    assert row.next_attempt_at is None
    assert service.audit() == [] and service.events(pb.ReviewDecided) == []
    assert service.carry_out(now=later()) == 0


def test_the_stored_grant_is_for_this_decision_only(review, pending, identity):
    approve(review, pending.id)
    row = review.submission(pending.id)
    grant = TokenVerifier(identity.keys.jwks).verify_decision_grant(row.decision_grant)
    assert grant.binding.decision_id == decision_id_of(pending.id)
    with pytest.raises(AuthError):  # never an access token
        TokenVerifier(identity.keys.jwks).verify(row.decision_grant)

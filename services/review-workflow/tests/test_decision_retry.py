"""DecideSubmission's crash path, against a stand-in photo-storage that records what it is
sent: a decision applied at photo-storage but not recorded here (a crash in between) is
completed by a retry that sends the same decision id."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest

from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb
from jes.photo_storage.v1 import photo_storage_pb2_grpc as photo_grpc
from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes_auth import TokenVerifier
from jes_grpckit import GrpcServer, current_caller
from jes_review_workflow.domain.submissions import decision_id_of
from jes_review_workflow.models import audit_log
from support import callers


@dataclass
class RecordingPhotoStorage(photo_grpc.PhotoStorageServiceServicer):
    """Applies whatever it is sent; `applied` remembers the outcome per decision id, as the
    real one does, and answers a repeated id with that first outcome."""

    requests: list[photo_pb.ApplyReviewDecisionRequest] = field(default_factory=list)
    callers: list[str] = field(default_factory=list)
    applied: dict[str, int] = field(default_factory=dict)

    def ApplyReviewDecision(self, request: Any, context: Any) -> photo_pb.PhotoSet:
        self.requests.append(request)
        self.callers.append(str(current_caller()))
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
def review(identity, photo_storage, start_review_service) -> Iterator[Any]:
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
    yield start_review_service(
        identity.keys,
        JES_PHOTO_STORAGE_ADDR=f"127.0.0.1:{server.port}",
        JES_IDENTITY_ADDR=identity.addr,
    )
    server.stop(0)


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


def test_a_crash_after_photo_storage_applied_is_completed_by_a_retry(
    review, pending, photo_storage, monkeypatch
):
    real_record = audit_log.record

    def crash_once(*args: Any, **kwargs: Any) -> str:
        monkeypatch.setattr(audit_log, "record", real_record)
        raise RuntimeError("the process died here")

    monkeypatch.setattr(audit_log, "record", crash_once)
    with pytest.raises(grpc.RpcError) as caught:
        approve(review, pending.id)
    assert caught.value.code() == grpc.StatusCode.INTERNAL
    assert review.submission(pending.id).state == "pending"  # nothing recorded
    assert review.events(pb.ReviewDecided) == []

    decided = approve(review, pending.id)
    assert decided.state == "approved"
    first, retry = photo_storage.requests
    assert first.decision_id == retry.decision_id == decision_id_of(pending.id)
    assert (retry.photo_set_id, retry.fingerprint) == (pending.photo_set_id, pending.fingerprint)
    assert retry.decision == photo_pb.DECISION_APPROVE
    # both times for the clerk who decided, whose token review-workflow forwards
    assert photo_storage.callers == ["service:review-workflow for TPDCLERK"] * 2
    assert [e.action for e in review.audit()] == ["submission.approved"]
    assert len(review.events(pb.ReviewDecided)) == 1


def test_a_retry_with_the_other_outcome_is_refused(review, pending, photo_storage):
    """Photo-storage already holds a rejection under this submission's decision id (an
    attempt that crashed before it was recorded): approving now would contradict it."""
    photo_storage.applied[decision_id_of(pending.id)] = photo_pb.PHOTO_SET_STATUS_REJECTED
    with pytest.raises(grpc.RpcError) as caught:
        approve(review, pending.id)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert caught.value.details() == "此案件已有不同的審核結果，請重新整理後再試"
    assert review.submission(pending.id).state == "pending"
    assert review.audit() == []
    assert review.events(pb.ReviewDecided) == []


def test_decision_ids_differ_per_submission():
    assert decision_id_of("s-1") == decision_id_of("s-1")
    assert decision_id_of("s-1") != decision_id_of("s-2")

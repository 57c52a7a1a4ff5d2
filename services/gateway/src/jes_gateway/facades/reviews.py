"""review-workflow: the court's review queue and decisions, firm-application decisions, the
audit log; and the clerk's review bundle (a submission with its set, prints and changes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jes.audit.v1.audit_pb2 import AuditEntry
from jes.photo_storage.v1 import photo_storage_pb2 as photos_pb
from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes.review_workflow.v1.review_workflow_pb2_grpc import ReviewWorkflowServiceStub
from jes_gateway.facades.base import Facade
from jes_gateway.facades.photos import PhotosFacade


@dataclass(frozen=True)
class ReasonInput:
    """One photo's reason for refusing a submission, as the clerk gave it."""

    photo_id: str
    sequence: int
    reason_code: str
    text: str


class ReviewsFacade(Facade[ReviewWorkflowServiceStub]):
    def submissions(
        self, token: str, *, state: str = "", court_code: str = "", page: int = 1, page_size: int
    ) -> pb.ListSubmissionsResponse:
        """state "" = every state."""
        return self._rpc(token).ListSubmissions(
            pb.ListSubmissionsRequest(
                court_code=court_code, state=state, page=page, page_size=page_size
            )
        )

    def submission(self, token: str, submission_id: str) -> pb.Submission:
        return self._rpc(token).GetSubmission(pb.GetSubmissionRequest(submission_id=submission_id))

    def decide_submission(
        self,
        token: str,
        submission_id: str,
        *,
        approve: bool,
        reasons: Sequence[ReasonInput] = (),
        note: str = "",
    ) -> pb.Submission:
        return self._rpc(token).DecideSubmission(
            pb.DecideSubmissionRequest(
                submission_id=submission_id,
                approve=approve,
                note=note,
                reasons=[
                    pb.PhotoReason(
                        photo_id=r.photo_id,
                        sequence=r.sequence,
                        reason_code=r.reason_code,
                        text=r.text,
                    )
                    for r in reasons
                ],
            )
        )

    def rejection_reasons(self, token: str) -> list[pb.RejectionReason]:
        reply = self._rpc(token).ListRejectionReasons(pb.ListRejectionReasonsRequest())
        return list(reply.reasons)

    def decide_firm_application(
        self, token: str, application_id: str, *, approve: bool, reason: str = ""
    ) -> pb.FirmApplicationDecision:
        return self._rpc(token).DecideFirmApplication(
            pb.DecideFirmApplicationRequest(
                application_id=application_id, approve=approve, reason=reason
            )
        )

    def audit_entries(
        self, token: str, *, court_code: str = "", subject_id: str = "", page: int, page_size: int
    ) -> pb.ListAuditEntriesResponse:
        return self._rpc(token).ListAuditEntries(
            pb.ListAuditEntriesRequest(
                court_code=court_code, subject_id=subject_id, page=page, page_size=page_size
            )
        )


@dataclass(frozen=True)
class ReviewBundle:
    """What a clerk reviews: the submission, its set with every photo, the set's prints
    (newest first) and what changed since the print the court last refused."""

    submission: pb.Submission
    photo_set: photos_pb.PhotoSet
    prints: list[photos_pb.PrintRecord]
    changes_since_rejection: list[photos_pb.PhotoChange]

    @property
    def current_print(self) -> photos_pb.PrintRecord | None:
        """The print that was submitted."""
        return next((p for p in self.prints if p.fingerprint == self.submission.fingerprint), None)


class CourtReviews:
    """The clerk's view across review-workflow and photo-storage."""

    def __init__(self, reviews: ReviewsFacade, photos: PhotosFacade):
        self.reviews = reviews
        self.photos = photos

    def bundle(self, token: str, submission_id: str) -> ReviewBundle:
        submission = self.reviews.submission(token, submission_id)
        set_id = submission.photo_set_id
        changes: list[photos_pb.PhotoChange] = []
        if submission.previous_rejected_fingerprint:
            changes = self.photos.diff(
                token, set_id, submission.previous_rejected_fingerprint, submission.fingerprint
            )
        return ReviewBundle(
            submission=submission,
            photo_set=self.photos.get_set(token, set_id),
            prints=self.photos.prints(token, set_id),
            changes_since_rejection=changes,
        )

    def history(self, token: str, set_id: str) -> list[AuditEntry]:
        return self.photos.history(token, set_id)

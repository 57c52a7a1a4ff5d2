"""review-workflow: the court's review queue and decisions, firm-application decisions, the
audit log; and the clerk's review bundle (a submission with its set, prints and changes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class QueueSearch:
    """The queue's search (each "" = any); sort "newest" or "waiting"."""

    case_number: str = ""
    division: str = ""
    firm: str = ""
    photo_set_id: str = ""
    sort: str = ""


class ReviewsFacade(Facade[ReviewWorkflowServiceStub]):
    def submissions(
        self,
        token: str,
        *,
        state: str = "",
        court_code: str = "",
        page: int = 1,
        page_size: int,
        search: QueueSearch | None = None,
    ) -> pb.ListSubmissionsResponse:
        """state "" = every state."""
        search = search or QueueSearch()
        return self._rpc(token).ListSubmissions(
            pb.ListSubmissionsRequest(
                court_code=court_code,
                state=state,
                page=page,
                page_size=page_size,
                case_number=search.case_number,
                division=search.division,
                firm=search.firm,
                photo_set_id=search.photo_set_id,
                sort=search.sort,
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
    # The court's reasons on the print it last refused, by photo id (photo-storage clears
    # a photo's reason when the firm prints again; review-workflow keeps the decision).
    previous_reasons: dict[str, pb.PhotoReason] = field(default_factory=dict)

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
        previous_reasons: dict[str, pb.PhotoReason] = {}
        if submission.previous_rejected_fingerprint:
            changes = self.photos.diff(
                token, set_id, submission.previous_rejected_fingerprint, submission.fingerprint
            )
            rejected = self.reviews.submissions(
                token,
                state="rejected",
                page_size=100,
                search=QueueSearch(photo_set_id=set_id),
            ).submissions
            refused = next(
                (s for s in rejected if s.fingerprint == submission.previous_rejected_fingerprint),
                None,
            )
            if refused is not None:
                previous_reasons = {r.photo_id: r for r in refused.reasons}
        return ReviewBundle(
            submission=submission,
            photo_set=self.photos.get_set(token, set_id),
            prints=self.photos.prints(token, set_id),
            changes_since_rejection=changes,
            previous_reasons=previous_reasons,
        )

    def history(self, token: str, set_id: str) -> list[AuditEntry]:
        return self.photos.history(token, set_id)

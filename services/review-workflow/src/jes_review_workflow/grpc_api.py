"""ReviewWorkflowService over gRPC: parses each request, calls its use case, maps the
result. The rules are in domain/, the transactions in the use-case modules."""

from __future__ import annotations

import grpc

from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes.review_workflow.v1 import review_workflow_pb2_grpc as pb_grpc
from jes_grpckit import current_claims
from jes_review_workflow.decide_firm_application import DecideFirmApplication
from jes_review_workflow.decide_submission import DecideSubmission
from jes_review_workflow.domain import access
from jes_review_workflow.domain.decisions import REJECTION_REASONS, PhotoReason
from jes_review_workflow.queries import QueueFilter, ReviewQueries


class ReviewWorkflowServicer(pb_grpc.ReviewWorkflowServiceServicer):
    def __init__(
        self,
        queries: ReviewQueries,
        decide_submission: DecideSubmission,
        decide_firm_application: DecideFirmApplication,
    ):
        self.queries = queries
        self.decide_submission = decide_submission
        self.decide_firm_application = decide_firm_application

    def ListSubmissions(
        self, request: pb.ListSubmissionsRequest, context: grpc.ServicerContext
    ) -> pb.ListSubmissionsResponse:
        listed = self.queries.submissions(
            current_claims(),
            request.court_code,
            request.state,
            request.page,
            request.page_size,
            QueueFilter(
                case_number=request.case_number,
                division=request.division,
                firm=request.firm,
                photo_set_id=request.photo_set_id,
                sort=request.sort,
            ),
        )
        return pb.ListSubmissionsResponse(
            submissions=listed.submissions,
            total=listed.total,
            page=listed.page.number,
            page_count=listed.page.count,
        )

    def GetSubmission(
        self, request: pb.GetSubmissionRequest, context: grpc.ServicerContext
    ) -> pb.Submission:
        return self.queries.submission(current_claims(), request.submission_id)

    def DecideSubmission(
        self, request: pb.DecideSubmissionRequest, context: grpc.ServicerContext
    ) -> pb.Submission:
        return self.decide_submission(
            current_claims(),
            request.submission_id,
            request.approve,
            [
                PhotoReason(
                    photo_id=r.photo_id,
                    sequence=r.sequence,
                    reason_code=r.reason_code,
                    text=r.text,
                )
                for r in request.reasons
            ],
            request.note,
        )

    def ListRejectionReasons(
        self, request: pb.ListRejectionReasonsRequest, context: grpc.ServicerContext
    ) -> pb.ListRejectionReasonsResponse:
        access.require_reason_reader(current_claims())
        return pb.ListRejectionReasonsResponse(
            reasons=[
                pb.RejectionReason(code=code, label=label)
                for code, label in REJECTION_REASONS.items()
            ]
        )

    def DecideFirmApplication(
        self, request: pb.DecideFirmApplicationRequest, context: grpc.ServicerContext
    ) -> pb.FirmApplicationDecision:
        return self.decide_firm_application(
            current_claims(), request.application_id, request.approve, request.reason
        )

    def ListAuditEntries(
        self, request: pb.ListAuditEntriesRequest, context: grpc.ServicerContext
    ) -> pb.ListAuditEntriesResponse:
        listed = self.queries.audit_entries(
            current_claims(),
            request.court_code,
            request.subject_id,
            request.page,
            request.page_size,
        )
        return pb.ListAuditEntriesResponse(entries=listed.entries, total=listed.total)

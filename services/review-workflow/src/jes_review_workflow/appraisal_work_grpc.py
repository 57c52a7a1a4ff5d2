"""AppraisalWorkService over gRPC: parses each request, calls its use case, maps the
result. The rules are in domain/appraisal/work, the transactions in appraisal/work."""

from __future__ import annotations

from typing import Any

import grpc

from jes.review_workflow.v1 import appraisal_work_pb2 as pb
from jes.review_workflow.v1 import appraisal_work_pb2_grpc as pb_grpc
from jes_grpckit import current_claims
from jes_review_workflow.appraisal.reports import AppraisalReports, ReportInput
from jes_review_workflow.appraisal.work import AppraisalWork
from jes_review_workflow.appraisal.work_queries import WorkQueries
from jes_review_workflow.appraiser_grpc import FEE_ITEM_KIND, _category, _chosen
from jes_review_workflow.domain.appraisal.fees import FeeItem, FeeRequest
from jes_review_workflow.domain.appraisal.report import Answer

ANSWER_OF = {
    pb.REPORT_ITEM_ANSWER_PRESENT: Answer.PRESENT,
    pb.REPORT_ITEM_ANSWER_NOT_APPLICABLE: Answer.NOT_APPLICABLE,
}


def fee_request(items: Any, registry_parcels: int, travel_group: str, copies: int) -> FeeRequest:
    return FeeRequest(
        items=tuple(
            FeeItem(
                _chosen(FEE_ITEM_KIND, i.kind, f"items[{n}].kind", "請選擇鑑定標的種類"),
                i.count,
                i.adjoining,
            )
            for n, i in enumerate(items)
        ),
        registry_parcels=registry_parcels,
        travel_group=travel_group.strip(),
        copies=copies,
    )


class AppraisalWorkServicer(pb_grpc.AppraisalWorkServiceServicer):
    def __init__(self, work: AppraisalWork, queries: WorkQueries, reports: AppraisalReports):
        self.work = work
        self.queries = queries
        self.reports = reports

    def OrderAppraisalFee(
        self, request: pb.OrderAppraisalFeeRequest, context: grpc.ServicerContext
    ) -> pb.WorkItem:
        fee = fee_request(
            request.items, request.registry_parcels, request.travel_group, request.copies
        )
        return self.work.order_fee(
            current_claims(),
            request.assignment_id,
            request.ordered_on,
            fee,
            request.agreed,
            request.approved,
        )

    def RecordFeePayment(
        self, request: pb.RecordFeePaymentRequest, context: grpc.ServicerContext
    ) -> pb.WorkItem:
        return self.work.record_payment(
            current_claims(),
            request.assignment_id,
            request.paid_on,
            request.amount,
            request.zoning_certificate_needed,
        )

    def ReportNonPayment(
        self, request: pb.ReportNonPaymentRequest, context: grpc.ServicerContext
    ) -> pb.WorkItem:
        return self.work.report_non_payment(current_claims(), request.assignment_id, request.note)

    def RecordCourtNotice(
        self, request: pb.RecordCourtNoticeRequest, context: grpc.ServicerContext
    ) -> pb.WorkItem:
        return self.work.record_notice(
            current_claims(), request.assignment_id, request.received_on, request.subject
        )

    def RecordNoticeReminder(
        self, request: pb.RecordNoticeReminderRequest, context: grpc.ServicerContext
    ) -> pb.WorkItem:
        return self.work.record_reminder(current_claims(), request.notice_id, request.received_on)

    def RecordNoticeReply(
        self, request: pb.RecordNoticeReplyRequest, context: grpc.ServicerContext
    ) -> pb.WorkItem:
        return self.work.record_reply(current_claims(), request.notice_id, request.replied_on)

    def RecordReportError(
        self, request: pb.RecordReportErrorRequest, context: grpc.ServicerContext
    ) -> pb.ReportError:
        return self.work.record_report_error(
            current_claims(), request.assignment_id, request.description, request.found_on
        )

    def ListWorkItems(
        self, request: pb.ListWorkItemsRequest, context: grpc.ServicerContext
    ) -> pb.ListWorkItemsResponse:
        return self.queries.list(
            current_claims(),
            request.court_code,
            request.overdue_only,
            request.as_of,
            request.assignment_id,
        )

    def GetReportRequirements(
        self, request: pb.GetReportRequirementsRequest, context: grpc.ServicerContext
    ) -> pb.ReportRequirements:
        return self.reports.requirements(
            current_claims(), request.court_code, _category(request.category)
        )

    def SubmitAppraisalReport(
        self, request: pb.SubmitAppraisalReportRequest, context: grpc.ServicerContext
    ) -> pb.AppraisalReport:
        answers = {}
        for n, item in enumerate(request.items):
            answers[item.code.strip()] = _chosen(
                ANSWER_OF, item.answer, f"items[{n}].answer", "請選擇已載明或不適用"
            )
        given = ReportInput(
            assignment_id=request.assignment_id,
            pdf=request.pdf,
            report_date=request.report_date,
            address=request.address,
            phone=request.phone,
            total_fee=request.total_fee,
            answers=answers,
            photo_set_id=request.photo_set_id.strip(),
            fee=fee_request(
                request.fee_items, request.registry_parcels, request.travel_group, request.copies
            ),
            agreed=request.agreed,
            warnings_acknowledged=request.warnings_acknowledged,
        )
        return self.reports.submit(current_claims(), given)

    def ListAppraisalReports(
        self, request: pb.ListAppraisalReportsRequest, context: grpc.ServicerContext
    ) -> pb.ListAppraisalReportsResponse:
        return self.reports.list(current_claims(), request.court_code, request.assignment_id)

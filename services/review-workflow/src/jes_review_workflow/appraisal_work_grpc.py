"""AppraisalWorkService over gRPC: parses each request, calls its use case, maps the
result. The rules are in domain/appraisal/work, the transactions in appraisal/work."""

from __future__ import annotations

import grpc

from jes.review_workflow.v1 import appraisal_work_pb2 as pb
from jes.review_workflow.v1 import appraisal_work_pb2_grpc as pb_grpc
from jes_grpckit import current_claims
from jes_review_workflow.appraisal.work import AppraisalWork
from jes_review_workflow.appraisal.work_queries import WorkQueries
from jes_review_workflow.appraiser_grpc import FEE_ITEM_KIND, _chosen
from jes_review_workflow.domain.appraisal.fees import FeeItem, FeeRequest


class AppraisalWorkServicer(pb_grpc.AppraisalWorkServiceServicer):
    def __init__(self, work: AppraisalWork, queries: WorkQueries):
        self.work = work
        self.queries = queries

    def OrderAppraisalFee(
        self, request: pb.OrderAppraisalFeeRequest, context: grpc.ServicerContext
    ) -> pb.WorkItem:
        items = tuple(
            FeeItem(
                _chosen(FEE_ITEM_KIND, i.kind, f"items[{n}].kind", "請選擇鑑定標的種類"),
                i.count,
                i.adjoining,
            )
            for n, i in enumerate(request.items)
        )
        fee = FeeRequest(
            items=items,
            registry_parcels=request.registry_parcels,
            travel_group=request.travel_group.strip(),
            copies=request.copies,
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

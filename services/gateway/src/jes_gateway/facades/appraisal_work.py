"""review-workflow's AppraisalWorkService: an assigned appraiser's payment order,
payment, notices, reminders, replies and report errors, and the lists of work rows with
their last days (the division's, the appraiser's own)."""

from __future__ import annotations

from jes.review_workflow.v1 import appraisal_work_pb2 as pb
from jes.review_workflow.v1 import appraisers_pb2 as apb
from jes.review_workflow.v1.appraisal_work_pb2_grpc import AppraisalWorkServiceStub
from jes_gateway.facades.appraisers import FeeInput
from jes_gateway.facades.base import Facade


class AppraisalWorkFacade(Facade[AppraisalWorkServiceStub]):
    def items(
        self,
        token: str,
        court_code: str = "",
        *,
        overdue_only: bool = False,
        as_of: str = "",
        assignment_id: str = "",
    ) -> pb.ListWorkItemsResponse:
        return self._rpc(token).ListWorkItems(
            pb.ListWorkItemsRequest(
                court_code=court_code,
                overdue_only=overdue_only,
                as_of=as_of,
                assignment_id=assignment_id,
            )
        )

    def order_fee(
        self, token: str, assignment_id: str, ordered_on: str, fee: FeeInput
    ) -> pb.WorkItem:
        return self._rpc(token).OrderAppraisalFee(
            pb.OrderAppraisalFeeRequest(
                assignment_id=assignment_id,
                ordered_on=ordered_on,
                items=[
                    apb.FeeItem(kind=i.kind, count=i.count, adjoining=i.adjoining)
                    for i in fee.items
                ],
                registry_parcels=fee.registry_parcels,
                travel_group=fee.travel_group,
                copies=fee.copies,
                agreed=fee.agreed,
                approved=fee.approved,
            )
        )

    def record_payment(
        self, token: str, assignment_id: str, paid_on: str, amount: int, zoning: bool
    ) -> pb.WorkItem:
        return self._rpc(token).RecordFeePayment(
            pb.RecordFeePaymentRequest(
                assignment_id=assignment_id,
                paid_on=paid_on,
                amount=amount,
                zoning_certificate_needed=zoning,
            )
        )

    def report_non_payment(self, token: str, assignment_id: str, note: str) -> pb.WorkItem:
        return self._rpc(token).ReportNonPayment(
            pb.ReportNonPaymentRequest(assignment_id=assignment_id, note=note)
        )

    def record_notice(
        self, token: str, assignment_id: str, received_on: str, subject: str
    ) -> pb.WorkItem:
        return self._rpc(token).RecordCourtNotice(
            pb.RecordCourtNoticeRequest(
                assignment_id=assignment_id, received_on=received_on, subject=subject
            )
        )

    def record_reminder(self, token: str, notice_id: str, received_on: str) -> pb.WorkItem:
        return self._rpc(token).RecordNoticeReminder(
            pb.RecordNoticeReminderRequest(notice_id=notice_id, received_on=received_on)
        )

    def record_reply(self, token: str, notice_id: str, replied_on: str) -> pb.WorkItem:
        return self._rpc(token).RecordNoticeReply(
            pb.RecordNoticeReplyRequest(notice_id=notice_id, replied_on=replied_on)
        )

    def record_report_error(
        self, token: str, assignment_id: str, description: str, found_on: str = ""
    ) -> pb.ReportError:
        return self._rpc(token).RecordReportError(
            pb.RecordReportErrorRequest(
                assignment_id=assignment_id, description=description, found_on=found_on
            )
        )

"""review-workflow's AppraisalWorkService: an assigned appraiser's payment order,
payment, notices, reminders, replies and report errors, and the lists of work rows with
their last days (the division's, the appraiser's own)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jes.review_workflow.v1 import appraisal_work_pb2 as pb
from jes.review_workflow.v1 import appraisers_pb2 as apb
from jes.review_workflow.v1.appraisal_work_pb2_grpc import AppraisalWorkServiceStub
from jes_gateway.facades.appraisers import FeeInput
from jes_gateway.facades.base import Facade


@dataclass(frozen=True)
class ReportSubmission:
    assignment_id: str
    pdf: bytes
    report_date: str
    address: str
    phone: str
    total_fee: int
    answers: Sequence[tuple[str, pb.ReportItemAnswer.ValueType]]
    photo_set_id: str
    fee: FeeInput
    warnings_acknowledged: bool = False


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

    # -- the appraisal report ------------------------------------------------------------

    def report_requirements(
        self, token: str, category: apb.AppraiserCategory.ValueType, court_code: str = ""
    ) -> pb.ReportRequirements:
        return self._rpc(token).GetReportRequirements(
            pb.GetReportRequirementsRequest(court_code=court_code, category=category)
        )

    def submit_report(self, token: str, report: ReportSubmission) -> pb.AppraisalReport:
        return self._rpc(token).SubmitAppraisalReport(
            pb.SubmitAppraisalReportRequest(
                assignment_id=report.assignment_id,
                pdf=report.pdf,
                report_date=report.report_date,
                address=report.address,
                phone=report.phone,
                total_fee=report.total_fee,
                items=[pb.ReportItem(code=code, answer=answer) for code, answer in report.answers],
                photo_set_id=report.photo_set_id,
                fee_items=[
                    apb.FeeItem(kind=i.kind, count=i.count, adjoining=i.adjoining)
                    for i in report.fee.items
                ],
                registry_parcels=report.fee.registry_parcels,
                travel_group=report.fee.travel_group,
                copies=report.fee.copies,
                agreed=report.fee.agreed,
                warnings_acknowledged=report.warnings_acknowledged,
            )
        )

    def reports(
        self, token: str, court_code: str = "", assignment_id: str = ""
    ) -> list[pb.AppraisalReport]:
        reply = self._rpc(token).ListAppraisalReports(
            pb.ListAppraisalReportsRequest(court_code=court_code, assignment_id=assignment_id)
        )
        return list(reply.reports)

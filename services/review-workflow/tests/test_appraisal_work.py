"""AppraisalWorkService over gRPC, on review-workflow built by its own build(): payment
orders, payments and the report period they start, notices, reminders and replies as
rows with their last days (§122 across the Lunar New Year 2025); overdue lists for the
division and the appraiser; the reminder sweep (once per row); and the disqualification
grounds 5, 10 and 12 fed from the rows, each at and just past its threshold."""

from __future__ import annotations

from datetime import date

import grpc
import pytest
from sqlalchemy import select, update

from jes.review_workflow.v1 import appraisal_work_pb2 as pb
from jes.review_workflow.v1 import appraisal_work_pb2_grpc as pb_grpc
from jes.review_workflow.v1 import appraisers_pb2 as apb
from jes.review_workflow.v1 import appraisers_pb2_grpc as apb_grpc
from jes_grpckit import Client
from jes_review_workflow.appraisal.work_queries import DeadlineReminders
from jes_review_workflow.models import AppraisalAssignment
from jes_review_workflow.work_models import WorkItemRow
from support import callers

from .conftest import ReviewService

RE = apb.APPRAISER_CATEGORY_REAL_ESTATE
LONG_AGO = date(2024, 12, 2)


def person(service: ReviewService, role: str, court: str = "KLD", account: str = "") -> Client:
    token = service.issuer.issue(account or f"{court}-{role}", roles=[role], court_code=court)
    return callers.client(service.pki, service.addr, pb_grpc.AppraisalWorkServiceStub, token=token)


def appraisers(service: ReviewService, role: str, court: str = "KLD") -> Client:
    token = service.issuer.issue(f"{court}-{role}", roles=[role], court_code=court)
    return callers.client(service.pki, service.addr, apb_grpc.AppraiserServiceStub, token=token)


def refused(call, *args, **kwargs) -> grpc.RpcError:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


def work_rows(service: ReviewService) -> list[WorkItemRow]:
    with service.kit.db.transaction() as session:
        return list(session.scalars(select(WorkItemRow).order_by(WorkItemRow.recorded_at)))


@pytest.fixture
def kld(service: ReviewService) -> dict[str, str]:
    """Two appraisers with portal accounts; one case each, assigned long ago."""
    chief = appraisers(service, "records-chief")
    clerk = appraisers(service, "clerk")
    ids = {}
    for name, account in (("甲估價師事務所", "APPR001"), ("乙估價師事務所", "APPR002")):
        ids[account] = chief.stub.EnrolAppraiser(
            apb.EnrolAppraiserRequest(
                court_code="KLD", category=RE, name=name, account_id=account, qualification="舊名冊"
            )
        ).id
    assignments = {}
    for number in (1, 2):
        assigned = clerk.stub.AssignAppraiser(
            apb.AssignAppraiserRequest(
                court_code="KLD",
                category=RE,
                case_number=f"113年度司執字第{number}號",
                division="甲",
            )
        )
        assignments[assigned.appraiser_id] = assigned.id
    with service.kit.db.transaction() as session:
        session.execute(update(AppraisalAssignment).values(assigned_on=LONG_AGO))
    return {
        "a": ids["APPR001"],
        "b": ids["APPR002"],
        "case_a": assignments[ids["APPR001"]],
        "case_b": assignments[ids["APPR002"]],
    }


def flags(service: ReviewService, as_of: str) -> dict[tuple[str, int], list[str]]:
    chief = appraisers(service, "records-chief")
    reply = chief.stub.ListDisqualificationFlags(
        apb.ListDisqualificationFlagsRequest(court_code="KLD", as_of=as_of)
    )
    return {(f.appraiser_id, f.ground): list(f.evidence) for f in reply.flags}


BUILDING_IN_CITY = {
    "items": [apb.FeeItem(kind=apb.FEE_ITEM_KIND_BUILDING_WITH_LAND, count=1)],
    "travel_group": "city",
}  # ceiling 3,000 + 960


def test_payment_then_report_periods_across_the_lunar_new_year(service: ReviewService, kld):
    clerk = person(service, "clerk")
    appraiser = person(service, "appraiser", account="APPR001")
    order = clerk.stub.OrderAppraisalFee(
        pb.OrderAppraisalFeeRequest(
            assignment_id=kld["case_a"], ordered_on="2025-01-20", **BUILDING_IN_CITY
        )
    )
    # 2025-01-25 is a Saturday, then the New Year holidays to 2025-02-02: §122
    assert (order.kind, order.days, order.last_day) == (apb.DEADLINE_KIND_PAYMENT, 5, "2025-02-03")
    assert order.fee_allowed == 3960 and order.case_number == "113年度司執字第1號"
    assert order.appraiser_name == "甲估價師事務所" and order.kind_label == "繳納鑑定費用"

    report = appraiser.stub.RecordFeePayment(
        pb.RecordFeePaymentRequest(
            assignment_id=kld["case_a"],
            paid_on="2025-01-29",
            amount=3960,
            zoning_certificate_needed=False,
        )
    )
    # ten days from 2025-01-29: 2025-02-08, the make-up working Saturday: it stays
    assert (report.kind, report.last_day) == (apb.DEADLINE_KIND_REPORT, "2025-02-08")
    paid, _ = work_rows(service)
    assert (paid.done_on, paid.closed, paid.amount) == (date(2025, 1, 29), "paid", 3960)

    zoning = clerk.stub.OrderAppraisalFee(
        pb.OrderAppraisalFeeRequest(
            assignment_id=kld["case_b"], ordered_on="2025-03-03", **BUILDING_IN_CITY
        )
    )
    with_zoning = clerk.stub.RecordFeePayment(
        pb.RecordFeePaymentRequest(
            assignment_id=zoning.assignment_id,
            paid_on="2025-03-04",
            amount=3000,
            zoning_certificate_needed=True,
        )
    )
    assert (with_zoning.kind, with_zoning.days) == (apb.DEADLINE_KIND_REPORT_WITH_ZONING, 20)
    assert with_zoning.last_day == "2025-03-24"  # 03-24 is a Monday


def test_non_payment_is_reported_only_after_the_period_and_shows_on_the_lists(
    service: ReviewService, kld
):
    clerk = person(service, "clerk")
    appraiser = person(service, "appraiser", account="APPR001")
    other = person(service, "appraiser", account="APPR002")
    order = clerk.stub.OrderAppraisalFee(
        pb.OrderAppraisalFeeRequest(assignment_id=kld["case_a"], **BUILDING_IN_CITY)
    )
    early = refused(
        appraiser.stub.ReportNonPayment,
        pb.ReportNonPaymentRequest(assignment_id=kld["case_a"], note="未繳"),
    )
    assert early.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert early.details() == "繳費期限尚未屆滿，不能陳報未繳費"
    # another appraiser's assignment is not theirs to report on: not found
    theirs = refused(
        other.stub.ReportNonPayment, pb.ReportNonPaymentRequest(assignment_id=kld["case_a"])
    )
    assert theirs.code() == grpc.StatusCode.NOT_FOUND

    # the division sees the open order; overdue once its last day is past
    listed = clerk.stub.ListWorkItems(pb.ListWorkItemsRequest(as_of=order.last_day))
    assert [(i.id, i.state) for i in listed.items] == [(order.id, pb.WORK_ITEM_STATE_OPEN)]
    with service.kit.db.transaction() as session:
        session.execute(
            update(WorkItemRow).values(start=date(2025, 1, 20), last_day=date(2025, 2, 3))
        )
    overdue = clerk.stub.ListWorkItems(pb.ListWorkItemsRequest(overdue_only=True))
    assert [(i.id, i.state) for i in overdue.items] == [(order.id, pb.WORK_ITEM_STATE_OVERDUE)]
    mine = appraiser.stub.ListWorkItems(pb.ListWorkItemsRequest(overdue_only=True))
    assert [i.id for i in mine.items] == [order.id]
    assert other.stub.ListWorkItems(pb.ListWorkItemsRequest()).items == []
    outside = refused(
        person(service, "clerk", court="TPD").stub.ListWorkItems,
        pb.ListWorkItemsRequest(court_code="KLD"),
    )
    assert outside.code() == grpc.StatusCode.PERMISSION_DENIED

    reported = appraiser.stub.ReportNonPayment(
        pb.ReportNonPaymentRequest(assignment_id=kld["case_a"], note="債權人未於五日內繳納")
    )
    assert reported.state == pb.WORK_ITEM_STATE_NOT_PAID
    assert clerk.stub.ListWorkItems(pb.ListWorkItemsRequest(overdue_only=True)).items == []
    assert len(service.events(pb.WorkItemChanged)) == 2


def test_bad_input_is_refused_in_zh_tw_and_changes_nothing(service: ReviewService, kld):
    clerk = person(service, "clerk")
    no_order = refused(
        clerk.stub.RecordFeePayment,
        pb.RecordFeePaymentRequest(assignment_id=kld["case_a"], paid_on="2025-01-29", amount=1),
    )
    assert no_order.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert no_order.details() == "此選任尚無待繳的鑑定費用"
    approval = refused(
        clerk.stub.OrderAppraisalFee,
        pb.OrderAppraisalFeeRequest(assignment_id=kld["case_a"], approved=True, **BUILDING_IN_CITY),
    )
    assert approval.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "司法事務官" in approval.details()
    future = refused(
        clerk.stub.RecordCourtNotice,
        pb.RecordCourtNoticeRequest(
            assignment_id=kld["case_a"], received_on="2999-01-01", subject="補正"
        ),
    )
    assert future.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert future.details() == "日期不可晚於今天"
    no_subject = refused(
        clerk.stub.RecordCourtNotice,
        pb.RecordCourtNoticeRequest(assignment_id=kld["case_a"], received_on="2025-01-02"),
    )
    assert no_subject.code() == grpc.StatusCode.INVALID_ARGUMENT
    bad_day = refused(
        clerk.stub.RecordCourtNotice,
        pb.RecordCourtNoticeRequest(
            assignment_id=kld["case_a"], received_on="2025/01/02", subject="補正"
        ),
    )
    assert bad_day.details() == "日期格式應為 YYYY-MM-DD"
    elsewhere = refused(
        person(service, "clerk", court="TPD").stub.RecordCourtNotice,
        pb.RecordCourtNoticeRequest(
            assignment_id=kld["case_a"], received_on="2025-01-02", subject="補正"
        ),
    )
    assert elsewhere.code() == grpc.StatusCode.NOT_FOUND
    no_items = refused(
        clerk.stub.OrderAppraisalFee, pb.OrderAppraisalFeeRequest(assignment_id=kld["case_a"])
    )
    assert no_items.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert work_rows(service) == []
    assert service.events(pb.WorkItemChanged) == []


def test_ground_5_no_reply_at_and_just_past_each_last_day(service: ReviewService, kld):
    clerk = person(service, "clerk")
    notice = clerk.stub.RecordCourtNotice(
        pb.RecordCourtNoticeRequest(
            assignment_id=kld["case_a"], received_on="2025-01-08", subject="請說明鑑定依據"
        )
    )
    # 20 days: 2025-01-28 is New Year's Eve; the holidays run to 02-02
    assert (notice.days, notice.last_day) == (20, "2025-02-03")
    assert (kld["a"], 5) not in flags(service, "2025-02-03")
    assert flags(service, "2025-02-04")[(kld["a"], 5)] == [
        "2025-01-08 收受通知，期限 2025-02-03 屆滿未回覆"
    ]

    # b: a notice with 20 days to go, but a reminder of 5 days
    second = clerk.stub.RecordCourtNotice(
        pb.RecordCourtNoticeRequest(
            assignment_id=kld["case_b"], received_on="2025-03-03", subject="補充說明"
        )
    )
    reminder = clerk.stub.RecordNoticeReminder(
        pb.RecordNoticeReminderRequest(notice_id=second.id, received_on="2025-03-04")
    )
    assert (reminder.days, reminder.last_day) == (5, "2025-03-10")  # 03-09 is a Sunday
    assert reminder.notice_id == second.id
    assert (kld["b"], 5) not in flags(service, "2025-03-10")
    assert (kld["b"], 5) in flags(service, "2025-03-11")

    # replied in time to the reminder: no flag, and the reply closes both rows
    replied = clerk.stub.RecordNoticeReply(
        pb.RecordNoticeReplyRequest(notice_id=second.id, replied_on="2025-03-07")
    )
    assert replied.state == pb.WORK_ITEM_STATE_DONE
    assert (kld["b"], 5) not in flags(service, "2025-03-11")
    not_a_notice = refused(
        clerk.stub.RecordNoticeReminder,
        pb.RecordNoticeReminderRequest(notice_id=reminder.id, received_on="2025-03-05"),
    )
    assert not_a_notice.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_ground_10_a_payment_above_the_ceiling_without_approval(service: ReviewService, kld):
    clerk = person(service, "clerk")
    officer = person(service, "judicial-officer")
    for case, amount in ((kld["case_a"], 3960), (kld["case_b"], 3961)):
        clerk.stub.OrderAppraisalFee(
            pb.OrderAppraisalFeeRequest(
                assignment_id=case, ordered_on="2025-03-03", **BUILDING_IN_CITY
            )
        )
        clerk.stub.RecordFeePayment(
            pb.RecordFeePaymentRequest(assignment_id=case, paid_on="2025-03-05", amount=amount)
        )
    found = flags(service, "2025-03-20")
    assert (kld["a"], 10) not in found  # at the ceiling
    assert found[(kld["b"], 10)] == ["未經核可超收鑑定費用 1 件"]  # one dollar above it

    # approved beforehand by the officer: a higher fee is no ground
    third = appraisers(service, "clerk").stub.AssignAppraiser(
        apb.AssignAppraiserRequest(court_code="KLD", category=RE, case_number="113年度司執字第3號")
    )
    officer.stub.OrderAppraisalFee(
        pb.OrderAppraisalFeeRequest(assignment_id=third.id, approved=True, **BUILDING_IN_CITY)
    )
    officer.stub.RecordFeePayment(pb.RecordFeePaymentRequest(assignment_id=third.id, amount=9000))
    assert third.appraiser_id == kld["a"]  # the rotation's next
    found = flags(service, "")
    assert (kld["a"], 10) not in found
    assert found[(kld["b"], 10)] == ["未經核可超收鑑定費用 1 件"]


def test_ground_12_report_errors_at_and_past_three(service: ReviewService, kld):
    clerk = person(service, "clerk")
    for n in range(2):
        clerk.stub.RecordReportError(
            pb.RecordReportErrorRequest(
                assignment_id=kld["case_a"], description=f"面積誤植 {n}", found_on="2025-02-10"
            )
        )
    assert (kld["a"], 12) not in flags(service, "")
    clerk.stub.RecordReportError(
        pb.RecordReportErrorRequest(assignment_id=kld["case_a"], description="門牌誤植")
    )
    assert flags(service, "")[(kld["a"], 12)] == ["鑑定書錯誤 3 次"]
    assert (kld["b"], 12) not in flags(service, "")


def test_reminders_go_out_once_before_each_last_day(service: ReviewService, kld):
    clerk = person(service, "clerk")
    notice = clerk.stub.RecordCourtNotice(
        pb.RecordCourtNoticeRequest(
            assignment_id=kld["case_a"], received_on="2025-01-08", subject="請說明鑑定依據"
        )
    )
    reminders = DeadlineReminders(service.kit.db, service.kit.outbox)
    assert reminders.run_once(date(2025, 1, 31)) == 0  # three days before 02-03
    assert reminders.run_once(date(2025, 2, 1)) == 1
    assert reminders.run_once(date(2025, 2, 2)) == 0  # once
    [(_, event)] = service.events(pb.AppraisalDeadlineApproaching)
    assert event.appraiser_account_id == "APPR001"
    assert (event.item.id, event.item.last_day, event.item.reminder_sent) == (
        notice.id,
        "2025-02-03",
        True,
    )
    # a row already past its last day is overdue, not reminded; a replied one neither
    assert reminders.run_once(date(2025, 2, 10)) == 0

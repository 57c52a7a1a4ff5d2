"""The appraisal deadlines on pages and the API against a fake review-workflow: the
division's list with overdue rows first, the appraiser's own list with the payment
form, the API's shape, and bad input refused before any service is asked."""

from __future__ import annotations

import grpc

from jes.review_workflow.v1 import appraisal_work_pb2 as pb
from jes.review_workflow.v1 import appraiser_applications_pb2 as cpb
from jes.review_workflow.v1 import appraisers_pb2 as apb

BEARER = {"Authorization": "Bearer kld-clerk-token"}


def rows() -> pb.ListWorkItemsResponse:
    return pb.ListWorkItemsResponse(
        as_of="2025-02-04",
        items=[
            pb.WorkItem(
                id="n1",
                court_code="KLD",
                assignment_id="as1",
                appraiser_id="a1",
                appraiser_name="甲估價師事務所",
                case_number="113年度司執字第1號",
                division="甲",
                kind=apb.DEADLINE_KIND_REPLY,
                kind_label="回覆本院通知",
                start="2025-01-08",
                days=20,
                last_day="2025-02-03",
                state=pb.WORK_ITEM_STATE_OVERDUE,
                subject="請說明鑑定依據",
            ),
            pb.WorkItem(
                id="p1",
                court_code="KLD",
                assignment_id="as2",
                appraiser_id="a1",
                appraiser_name="甲估價師事務所",
                case_number="113年度司執字第2號",
                kind=apb.DEADLINE_KIND_PAYMENT,
                kind_label="繳納鑑定費用",
                start="2025-02-03",
                days=5,
                last_day="2025-02-10",
                state=pb.WORK_ITEM_STATE_OPEN,
                fee_allowed=3960,
            ),
        ],
    )


def test_the_division_sees_overdue_rows_first_with_roc_days(client, services, sign_in):
    sign_in(client, "KLDCLERK", ["clerk"], court_code="KLD")
    services.appraisers.replies["GetAppraisalRules"] = apb.AppraisalRules(court_code="KLD")
    services.appraisal_work.replies["ListWorkItems"] = rows()
    page = client.get("/appraisers/work")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    overdue = html.split('id="overdue-title"')[1].split('id="all-title"')[0]
    assert "已逾期（1）" in html
    assert "113年度司執字第1號" in overdue and "113年度司執字第2號" not in overdue
    assert "114/02/03" in overdue and "回覆本院通知：請說明鑑定依據" in overdue
    assert 'action="/appraisers/work/n1/reply"' in html  # the open notice can be answered
    [asked] = services.appraisal_work.requests("ListWorkItems")
    assert asked.court_code == "KLD"
    assert services.appraisal_work.tokens("ListWorkItems") == ["token-of-KLDCLERK"]


def test_the_appraiser_records_a_payment_and_a_bad_amount_is_refused(
    client, services, sign_in, form_post
):
    sign_in(client, "APPR001", ["appraiser"], court_code="KLD")
    fake = services.appraisal_work
    fake.replies["ListWorkItems"] = rows()
    # the page also lists the matters about them (none here)
    services.committee.replies["ListCommitteeMatters"] = cpb.ListCommitteeMattersResponse()
    page = client.get("/appraisers/my-work")
    assert page.status_code == 200
    assert 'action="/appraisers/my-work/as2/payment"' in page.get_data(as_text=True)
    assert "不適任案" not in page.get_data(as_text=True)

    bad = form_post(client, "/appraisers/my-work/as2/payment", {"amount": "三千"})
    assert bad.status_code == 400
    assert "請輸入繳納金額（正整數）" in bad.get_data(as_text=True)
    assert fake.requests("RecordFeePayment") == []

    fake.replies["RecordFeePayment"] = pb.WorkItem(id="r1")
    done = form_post(
        client, "/appraisers/my-work/as2/payment", {"amount": "3960", "paid_on": "2025-02-05"}
    )
    assert done.status_code == 302
    [asked] = fake.requests("RecordFeePayment")
    assert (asked.assignment_id, asked.amount, asked.paid_on) == ("as2", 3960, "2025-02-05")


def test_a_clerk_is_not_shown_the_appraisers_page(client, sign_in):
    sign_in(client, "KLDCLERK", ["clerk"], court_code="KLD")
    assert client.get("/appraisers/my-work").status_code == 403


def test_api_lists_and_records_with_the_documented_shape(client, services, refusal):
    fake = services.appraisal_work
    fake.replies["ListWorkItems"] = rows()
    listed = client.get("/api/v1/appraisal-work?overdue_only=true", headers=BEARER)
    assert listed.status_code == 200, listed.get_data(as_text=True)
    first = listed.json["items"][0]
    assert (first["kind"], first["state"], first["state_label"]) == (
        "reply",
        "overdue",
        "已逾期",
    )
    assert first["last_day_roc"] == "114/02/03"
    assert fake.requests("ListWorkItems")[0].overdue_only is True

    fake.replies["RecordCourtNotice"] = refusal(
        grpc.StatusCode.INVALID_ARGUMENT, "日期不可晚於今天", {"received_on": "日期不可晚於今天"}
    )
    future = client.post(
        "/api/v1/appraisers/assignments/as1/notices",
        json={"received_on": "2999-01-01", "subject": "補正"},
        headers=BEARER,
    )
    assert future.status_code == 400
    assert future.content_type == "application/problem+json"
    assert future.json["fields"] == {"received_on": "日期不可晚於今天"}

    no_subject = client.post(
        "/api/v1/appraisers/assignments/as1/notices", json={"subject": ""}, headers=BEARER
    )
    assert no_subject.status_code == 400 and "subject" in no_subject.json["fields"]
    assert len(fake.requests("RecordCourtNotice")) == 1  # only the one the service refused


REQUIREMENTS = pb.ReportRequirements(
    court_code="KLD",
    category=apb.APPRAISER_CATEGORY_OTHER_PROPERTY,
    items=[
        pb.ReportRequirement(number=1, code="basis", label="鑑定依據", not_applicable="never"),
        pb.ReportRequirement(number=2, code="parking", label="附屬車位", not_applicable="allowed"),
    ],
    max_bytes=50 * 1024 * 1024,
)


def test_the_report_form_lists_the_items_and_shows_warnings_to_acknowledge(
    client, services, sign_in, form_post, refusal
):
    from io import BytesIO

    sign_in(client, "APPR001", ["appraiser"], court_code="KLD")
    fake = services.appraisal_work
    fake.replies["GetReportRequirements"] = REQUIREMENTS
    services.appraisers.replies["GetAppraisalRules"] = apb.AppraisalRules(court_code="KLD")
    page = client.get("/appraisers/my-work/as2/report?category=other_property")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "1. 鑑定依據（必要）" in html and "2. 附屬車位" in html
    assert 'name="item-parking" value="not_applicable"' in html
    assert 'name="item-basis" value="not_applicable"' not in html  # always required

    fake.replies["SubmitAppraisalReport"] = refusal(
        grpc.StatusCode.FAILED_PRECONDITION,
        "鑑定書有待確認的事項，請確認後再送出",
        {"warnings[0]": "照片集尚未送交本院或不屬於本案，請確認照片集連結"},
    )
    warned = form_post(
        client,
        "/appraisers/my-work/as2/report",
        {
            "category": "other_property",
            "fee_kind": "movables",
            "total_fee": "1200",
            "item-basis": "present",
            "file": (BytesIO(b"%PDF-1.7 ..."), "report.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert warned.status_code == 409
    body = warned.get_data(as_text=True)
    assert "照片集尚未送交本院或不屬於本案，請確認照片集連結" in body
    assert 'name="warnings_acknowledged"' in body
    [asked] = fake.requests("SubmitAppraisalReport")
    assert asked.pdf == b"%PDF-1.7 ..." and asked.total_fee == 1200
    assert [(i.code, i.answer) for i in asked.items] == [("basis", pb.REPORT_ITEM_ANSWER_PRESENT)]


def test_the_division_sees_the_received_reports(client, services, sign_in):
    sign_in(client, "KLDCLERK", ["clerk"], court_code="KLD")
    services.appraisal_work.replies["ListAppraisalReports"] = pb.ListAppraisalReportsResponse(
        reports=[
            pb.AppraisalReport(
                id="r1",
                case_number="113年度司執字第2號",
                appraiser_name="甲估價師事務所",
                category=apb.APPRAISER_CATEGORY_OTHER_PROPERTY,
                total_fee=1200,
                fee_allowed=1200,
                pages=3,
                submitted_on="2025-02-05",
                download_url="/objects/appraisal-reports/x.pdf?sig=1",
            )
        ]
    )
    html = client.get("/appraisers/reports").get_data(as_text=True)
    assert "113年度司執字第2號" in html and "114/02/05" in html
    assert 'href="/objects/appraisal-reports/x.pdf?sig=1"' in html and "1,200 元" in html


def test_a_report_error_needs_its_assignment_and_text(client, services, sign_in, form_post):
    sign_in(client, "KLDCLERK", ["clerk"], court_code="KLD")
    services.appraisers.replies["GetAppraisalRules"] = apb.AppraisalRules(court_code="KLD")
    fake = services.appraisal_work
    fake.replies["ListWorkItems"] = rows()
    refused = form_post(client, "/appraisers/work/report-errors", {"description": ""})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "請填寫選任紀錄代號" in html and "請說明錯誤內容" in html
    assert fake.requests("RecordReportError") == []
    fake.replies["RecordReportError"] = pb.ReportError(id="e1")
    done = form_post(
        client,
        "/appraisers/work/report-errors",
        {"error_assignment_id": "as1", "description": "面積誤植"},
    )
    assert done.status_code == 302
    [asked] = fake.requests("RecordReportError")
    assert (asked.assignment_id, asked.description) == ("as1", "面積誤植")


def test_the_division_orders_the_fee_for_the_assignment_just_made(
    client, services, sign_in, form_post
):
    sign_in(client, "KLDCLERK", ["clerk"], court_code="KLD")
    fake = services.appraisal_work
    fake.replies["ListWorkItems"] = rows()
    services.appraisers.replies["GetAppraisalRules"] = apb.AppraisalRules(
        court_code="KLD", travel_groups=[apb.TravelGroup(code="city", label="基隆市區")]
    )
    page = client.get("/appraisers/work?assignment=as9").get_data(as_text=True)
    assert 'name="fee_assignment_id" type="text" value="as9"' in page
    assert "核可超過收費標準" not in page  # the officer's alone

    fake.replies["OrderAppraisalFee"] = pb.WorkItem(id="p9")
    done = form_post(
        client,
        "/appraisers/work/fee-orders",
        {
            "fee_assignment_id": "as9",
            "fee_kind": "movables",
            "fee_count": "2",
            "travel_group": "city",
        },
    )
    assert done.status_code == 302
    [asked] = fake.requests("OrderAppraisalFee")
    assert (asked.assignment_id, asked.items[0].count, asked.travel_group) == ("as9", 2, "city")
    assert asked.approved is False
    bad = form_post(client, "/appraisers/work/fee-orders", {"fee_kind": "castle"})
    assert bad.status_code == 400 and "請選擇鑑定標的種類" in bad.get_data(as_text=True)
    assert len(fake.requests("OrderAppraisalFee")) == 1

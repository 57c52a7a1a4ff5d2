"""The appraisal deadlines on pages and the API against a fake review-workflow: the
division's list with overdue rows first, the appraiser's own list with the payment
form, the API's shape, and bad input refused before any service is asked."""

from __future__ import annotations

import grpc

from jes.review_workflow.v1 import appraisal_work_pb2 as pb
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
    page = client.get("/appraisers/my-work")
    assert page.status_code == 200
    assert 'action="/appraisers/my-work/as2/payment"' in page.get_data(as_text=True)

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

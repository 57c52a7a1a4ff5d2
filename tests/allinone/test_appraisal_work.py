"""An assigned appraiser's deadlines in all-in-one mode, through the API like real
callers: the records chief enrols an appraiser with a portal account; a clerk asks for
one by rotation and orders the fee; the appraiser sees the order on their own list and
records the payment, which starts the report's period; the clerk records a notice and a
report error; the lists show each last day and, as of a later day, what is overdue; bad
input is refused in zh-TW and changes nothing; another court's clerk sees nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import requests

from jes.review_workflow.v1 import appraisers_pb2 as pb
from jes.review_workflow.v1 import appraisers_pb2_grpc as pb_grpc
from jes_zhtw.roc import to_taipei
from support import callers, flows
from support.allinone import DEMO_PASSWORD


def api(platform: flows.Platform, token: str, method: str, path: str, **kw: Any) -> Any:
    reply = platform.api(method, path, token, **kw)
    assert reply.status_code == 200, reply.text
    return reply.json()


@pytest.fixture(scope="module")
def assignment(platform: flows.Platform) -> dict[str, Any]:
    chief = callers.client(
        platform.pki,
        platform.addrs["review-workflow"],
        pb_grpc.AppraiserServiceStub,
        token=platform.login("KLDCHIEF", DEMO_PASSWORD),
    )
    chief.stub.EnrolAppraiser(
        pb.EnrolAppraiserRequest(
            court_code="KLD",
            category=pb.APPRAISER_CATEGORY_OTHER_PROPERTY,
            name="甲估價師事務所",
            account_id="KLDAPPRAISER",
        )
    )
    clerk = platform.login("KLDCLERK", DEMO_PASSWORD)
    return api(
        platform,
        clerk,
        "POST",
        "/api/v1/appraisers/assignments",
        json={"category": "other_property", "case_number": "115年度司執字第88號", "division": "丙"},
    )


def test_payment_order_payment_and_report_period_on_both_lists(
    platform: flows.Platform, assignment: dict[str, Any]
):
    from datetime import UTC, datetime

    today = to_taipei(datetime.now(UTC)).date()
    clerk = platform.login("KLDCLERK", DEMO_PASSWORD)
    appraiser = platform.login("KLDAPPRAISER", DEMO_PASSWORD)
    case = assignment["id"]
    order = api(
        platform,
        clerk,
        "POST",
        f"/api/v1/appraisers/assignments/{case}/fee-order",
        json={"items": [{"kind": "movables", "count": 1}], "travel_group": "city"},
    )
    assert (order["kind"], order["days"], order["start"]) == ("payment", 5, today.isoformat())
    assert date.fromisoformat(order["last_day"]) >= today + timedelta(days=5)
    assert order["fee_allowed"] == 1200 + 960
    assert order["case_number"] == "115年度司執字第88號" and order["state"] == "open"

    mine = api(platform, appraiser, "GET", "/api/v1/appraisal-work")["items"]
    assert [(i["id"], i["kind"]) for i in mine] == [(order["id"], "payment")]

    report = api(
        platform,
        appraiser,
        "POST",
        f"/api/v1/appraisers/assignments/{case}/payment",
        json={"amount": 2160},
    )
    assert (report["kind"], report["days"], report["kind_label"]) == ("report", 10, "送交鑑定書")

    notice = api(
        platform,
        clerk,
        "POST",
        f"/api/v1/appraisers/assignments/{case}/notices",
        json={"subject": "請補正鑑定標的照片"},
    )
    assert (notice["kind"], notice["days"]) == ("reply", 20)
    error = api(
        platform,
        clerk,
        "POST",
        f"/api/v1/appraisers/assignments/{case}/report-errors",
        json={"description": "面積誤植"},
    )
    assert error["recorded_by"] == "KLDCLERK"

    division = api(platform, clerk, "GET", "/api/v1/appraisal-work")["items"]
    assert {i["kind"]: i["state"] for i in division} == {
        "payment": "done",
        "report": "open",
        "reply": "open",
    }
    later = (today + timedelta(days=60)).isoformat()
    overdue = api(platform, clerk, "GET", f"/api/v1/appraisal-work?overdue_only=true&as_of={later}")
    assert sorted(i["kind"] for i in overdue["items"]) == ["reply", "report"]
    assert {i["state_label"] for i in overdue["items"]} == {"已逾期"}
    assert (
        len(
            api(
                platform,
                appraiser,
                "GET",
                f"/api/v1/appraisal-work?overdue_only=true&as_of={later}",
            )["items"]
        )
        == 2
    )

    # the appraiser replies; the division records it and the row is done
    replied = api(platform, clerk, "POST", f"/api/v1/appraisal-work/{notice['id']}/reply", json={})
    assert replied["state"] == "done"


def test_bad_input_and_another_court(platform: flows.Platform, assignment: dict[str, Any]):
    clerk = platform.login("KLDCLERK", DEMO_PASSWORD)
    case = assignment["id"]
    before = api(platform, clerk, "GET", "/api/v1/appraisal-work")["items"]
    future = platform.api(
        "POST",
        f"/api/v1/appraisers/assignments/{case}/notices",
        clerk,
        json={"received_on": "2999-01-01", "subject": "補正"},
    )
    assert future.status_code == 400
    assert future.headers["Content-Type"] == "application/problem+json"
    assert future.json()["fields"] == {"received_on": "日期不可晚於今天"}
    approval = platform.api(
        "POST",
        f"/api/v1/appraisers/assignments/{case}/fee-order",
        clerk,
        json={"items": [{"kind": "movables"}], "approved": True},
    )
    assert approval.status_code == 403
    assert "司法事務官" in approval.json()["error"]
    assert api(platform, clerk, "GET", "/api/v1/appraisal-work")["items"] == before

    tpd = platform.login("TPDCLERK", DEMO_PASSWORD)
    elsewhere = platform.api(
        "POST",
        f"/api/v1/appraisers/assignments/{case}/notices",
        tpd,
        json={"subject": "補正"},
    )
    assert elsewhere.status_code == 404
    assert api(platform, tpd, "GET", "/api/v1/appraisal-work")["items"] == []


def a4_pdf(pages: int = 1, size: tuple[float, float] = (595.28, 841.89)) -> bytes:
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=size[0], height=size[1])
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_appraiser_submits_the_report_and_the_division_receives_it(
    platform: flows.Platform, assignment: dict[str, Any]
):
    clerk = platform.login("KLDCLERK", DEMO_PASSWORD)
    appraiser = platform.login("KLDAPPRAISER", DEMO_PASSWORD)
    case = assignment["id"]
    needed = api(
        platform,
        appraiser,
        "GET",
        "/api/v1/appraisal-report-requirements?category=other_property",
    )
    assert len(needed["items"]) == 5
    codes = [i["code"] for i in needed["items"]]
    form = {
        "report_date": "2025-02-05",
        "address": "基隆市仁愛區愛一路1號",
        "phone": "02-2422-1234",
        "total_fee": "2161",
        "fee_kind": "movables",
        "travel_group": "city",
        "present": codes[:-1],  # the fee amount (item 5) left out
    }
    missing = platform.api(
        "POST",
        f"/api/v1/appraisers/assignments/{case}/report",
        appraiser,
        data=form,
        files={"file": ("report.pdf", a4_pdf(2), "application/pdf")},
    )
    assert missing.status_code == 400, missing.text
    assert missing.json()["fields"] == {
        "items.fee_amount": "第 5 項「鑑定費用金額」未填答",
        "total_fee": "收費標準上限為 2160 元，超過 1 元",  # every hard stop at once
    }

    form["present"] = codes
    above = platform.api(
        "POST",
        f"/api/v1/appraisers/assignments/{case}/report",
        appraiser,
        data=form,
        files={"file": ("report.pdf", a4_pdf(2), "application/pdf")},
    )
    assert above.status_code == 400
    assert above.json()["error"] == "鑑定費用超過收費標準，須先經承辦司法事務官核可"
    not_a4 = platform.api(
        "POST",
        f"/api/v1/appraisers/assignments/{case}/report",
        appraiser,
        data={**form, "total_fee": "2160"},
        files={"file": ("report.pdf", a4_pdf(1, (612, 792)), "application/pdf")},
    )
    assert not_a4.status_code == 400 and not_a4.json()["fields"] == {"pdf": "第 1 頁不是 A4 尺寸"}
    assert api(platform, clerk, "GET", "/api/v1/appraisal-reports")["reports"] == []
    assert not platform.object_exists("appraisal-reports", "KLD/")  # nothing kept

    reply = platform.api(
        "POST",
        f"/api/v1/appraisers/assignments/{case}/report",
        appraiser,
        data={**form, "total_fee": "2160"},
        files={"file": ("report.pdf", a4_pdf(2), "application/pdf")},
    )
    assert reply.status_code == 201, reply.text
    received = reply.json()
    assert (received["pages"], received["total_fee"], received["fee_allowed"]) == (2, 2160, 2160)

    [listed] = api(platform, clerk, "GET", "/api/v1/appraisal-reports")["reports"]
    assert listed["id"] == received["id"] and listed["case_number"] == "115年度司執字第88號"
    url = listed["download_url"]
    download = requests.get(url if url.startswith("http") else platform.base_url + url, timeout=30)
    assert download.status_code == 200 and download.content[:5] == b"%PDF-"

"""The appraisal deadlines and the report in a browser, at phone and desktop widths,
checked by axe-core: the appraiser's own work (a payment order from the division), the
payment that starts the report's period, the report form with the court's items and a
hard stop, then the report received; the division's deadlines and received reports."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from io import BytesIO
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfWriter

from jes.review_workflow.v1 import appraisal_work_pb2 as wpb
from jes.review_workflow.v1 import appraisal_work_pb2_grpc as wpb_grpc
from jes.review_workflow.v1 import appraisers_pb2 as pb
from jes.review_workflow.v1 import appraisers_pb2_grpc as pb_grpc
from support import callers, flows
from support.allinone import DEMO_PASSWORD
from support.court_login import log_in_at_court


def grpc_as(platform: flows.Platform, account_id: str, stub):  # type: ignore[no-untyped-def]
    token = platform.login(account_id, DEMO_PASSWORD)
    return callers.client(platform.pki, platform.addrs["review-workflow"], stub, token=token)


@pytest.fixture(scope="module")
def orders(platform: flows.Platform) -> list[str]:
    """Two other-property cases of KLDAPPRAISER, each with a payment order."""
    chief = grpc_as(platform, "KLDCHIEF", pb_grpc.AppraiserServiceStub)
    chief.stub.EnrolAppraiser(
        pb.EnrolAppraiserRequest(
            court_code="KLD",
            category=pb.APPRAISER_CATEGORY_OTHER_PROPERTY,
            name="甲估價師事務所",
            account_id="KLDAPPRAISER",
        )
    )
    clerk = grpc_as(platform, "KLDCLERK", pb_grpc.AppraiserServiceStub)
    work = grpc_as(platform, "KLDCLERK", wpb_grpc.AppraisalWorkServiceStub)
    ids = []
    for number in (390, 1280):
        assigned = clerk.stub.AssignAppraiser(
            pb.AssignAppraiserRequest(
                court_code="KLD",
                category=pb.APPRAISER_CATEGORY_OTHER_PROPERTY,
                case_number=f"115年度司執字第{number}號",
                division="丙",
            )
        )
        work.stub.OrderAppraisalFee(
            wpb.OrderAppraisalFeeRequest(
                assignment_id=assigned.id,
                items=[pb.FeeItem(kind=pb.FEE_ITEM_KIND_MOVABLES, count=1)],
            )
        )
        work.stub.RecordCourtNotice(
            wpb.RecordCourtNoticeRequest(assignment_id=assigned.id, subject="請說明鑑定依據")
        )
        ids.append(assigned.id)
    return ids


log_in = partial(log_in_at_court, court="KLD")  # this file's court users


def a4_pdf(path: Path) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(width=595.28, height=841.89)
    out = BytesIO()
    writer.write(out)
    path.write_bytes(out.getvalue())
    return path


@pytest.mark.parametrize("width", [390, 1280])
def test_the_appraiser_records_the_payment_and_submits_the_report(
    new_page: Callable[[dict[str, int]], Page],
    screenshot_of: Callable[[Page, str], Path],
    platform: flows.Platform,
    orders: list[str],
    tmp_path: Path,
    width: int,
) -> None:
    case = f"115年度司執字第{width}號"
    page = new_page({"width": width, "height": 900})
    log_in(page, platform, "KLDAPPRAISER")
    page.goto(platform.base_url + "/appraisers/my-work")
    expect(page.get_by_role("heading", name="我的鑑定事件", level=1)).to_be_visible()
    screenshot_of(page, f"my-work-{width}")

    row = page.locator("tr", has_text=case).filter(has_text="繳納鑑定費用")
    row.get_by_label("繳納金額").fill("1200")
    row.get_by_role("button", name="登錄已繳納").click()
    expect(page.get_by_text("已登錄鑑定費用繳納")).to_be_visible()

    page.locator("tr", has_text=case).filter(has_text="送交鑑定書").get_by_role(
        "link", name="送交鑑定書"
    ).click()
    expect(page.get_by_role("heading", name="送交鑑定書", level=1)).to_be_visible()
    page.get_by_label("鑑定書 PDF 檔").set_input_files(str(a4_pdf(tmp_path / "report.pdf")))
    page.get_by_label("鑑定日期").fill("2025-02-05")
    page.get_by_label("鑑定人住址").fill("基隆市仁愛區愛一路1號")
    page.get_by_label("鑑定人電話").fill("02-2422-1234")
    page.get_by_label("鑑定費用總額（新臺幣元）").fill("1200")
    page.get_by_label("鑑定標的種類").select_option("movables")
    for item in page.locator("fieldset.report-item").all()[:4]:  # item 5 left out
        item.get_by_label("已載明").check()
    page.get_by_role("button", name="送交鑑定書").click()
    expect(page.get_by_role("alert")).to_contain_text("鑑定書欠缺必要記載事項")
    expect(page.get_by_text("第 5 項「鑑定費用金額」未填答").first).to_be_visible()
    screenshot_of(page, f"report-refused-{width}")

    page.get_by_label("鑑定書 PDF 檔").set_input_files(str(a4_pdf(tmp_path / "report.pdf")))
    page.locator("fieldset.report-item").last.get_by_label("已載明").check()
    page.get_by_role("button", name="送交鑑定書").click()
    expect(page.get_by_text("鑑定書已送交法院")).to_be_visible()
    screenshot_of(page, f"my-work-reported-{width}")


def test_the_division_sees_deadlines_and_received_reports(
    new_page: Callable[[dict[str, int]], Page],
    screenshot_of: Callable[[Page, str], Path],
    platform: flows.Platform,
    orders: list[str],
) -> None:
    for width in (390, 1280):
        page = new_page({"width": width, "height": 900})
        log_in(page, platform, "KLDCLERK")
        page.goto(platform.base_url + "/appraisers/work")
        expect(page.get_by_role("heading", name="鑑定期限", level=1)).to_be_visible()
        expect(page.get_by_text("請說明鑑定依據").first).to_be_visible()
        screenshot_of(page, f"appraisal-work-{width}")
        page.get_by_role("link", name="已收受的鑑定書").click()
        expect(page.get_by_role("heading", name="已收受的鑑定書", level=1)).to_be_visible()
        screenshot_of(page, f"appraisal-reports-{width}")

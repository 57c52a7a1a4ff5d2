"""The division's appraiser pages in a browser, at phone and desktop widths, checked by
axe-core: the records chief's roster (enrolled over gRPC, as the committee will), a clerk
asking for an appraiser by rotation, the fee calculator, the log and fairness report."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from jes.review_workflow.v1 import appraisers_pb2 as pb
from jes.review_workflow.v1 import appraisers_pb2_grpc as pb_grpc
from support import callers, flows
from support.allinone import DEMO_PASSWORD
from support.court_login import log_in_at_court


@pytest.fixture(scope="module")
def keelung_roster(platform: flows.Platform) -> None:
    token = platform.login("KLDCHIEF", DEMO_PASSWORD)
    chief = callers.client(
        platform.pki, platform.addrs["review-workflow"], pb_grpc.AppraiserServiceStub, token=token
    )
    for name in ("甲估價師事務所", "乙不動產估價師事務所", "丙建築師事務所"):
        chief.stub.EnrolAppraiser(
            pb.EnrolAppraiserRequest(
                court_code="KLD", category=pb.APPRAISER_CATEGORY_REAL_ESTATE, name=name
            )
        )
    chief.stub.EnrolAppraiser(
        pb.EnrolAppraiserRequest(
            court_code="KLD", category=pb.APPRAISER_CATEGORY_OTHER_PROPERTY, name="丁鑑定有限公司"
        )
    )


log_in = partial(log_in_at_court, court="KLD")  # this file's court users


@pytest.mark.parametrize("width", [390, 1280])
def test_a_clerk_asks_for_an_appraiser_and_calculates_a_fee(
    new_page: Callable[[dict[str, int]], Page],
    screenshot_of: Callable[[Page, str], Path],
    platform: flows.Platform,
    keelung_roster: None,
    width: int,
) -> None:
    page = new_page({"width": width, "height": 900})
    log_in(page, platform, "KLDCLERK")
    page.goto(platform.base_url + "/appraisers/")
    expect(page.get_by_role("heading", name="鑑定人選任", level=1)).to_be_visible()
    screenshot_of(page, f"appraisers-{width}")

    page.get_by_label("鑑定類別").select_option(label="不動產")
    page.get_by_label("年度").fill(f"115年度司執字第{width}號")
    page.get_by_label("股別").fill("甲")
    page.get_by_role("button", name="依輪次選任").click()
    expect(page.get_by_text("已依輪次選任：")).to_be_visible()
    screenshot_of(page, f"appraisers-assigned-{width}")

    page.get_by_label("鑑定標的").select_option(label="建物與基地合併鑑定")
    page.get_by_label("數量（棟／間、筆、種類或件）").fill("2")
    page.get_by_label("交通費地區").select_option("shuangxi_gongliao")
    page.get_by_label("實際收費金額（選填，檢核用）").fill("6000")
    page.get_by_role("button", name="試算").click()
    expect(page.get_by_text("合計上限")).to_be_visible()
    expect(page.get_by_text("5,040 元")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("須先經承辦司法事務官核可")
    screenshot_of(page, f"appraisers-fee-{width}")

    page.get_by_role("link", name="輪次紀錄與公平性報告").click()
    expect(page.get_by_text("紀錄完整")).to_be_visible()
    expect(page.get_by_role("heading", name="公平性報告", exact=True)).to_be_visible()
    screenshot_of(page, f"appraisers-log-{width}")


def test_the_officer_chooses_off_the_rotation(
    new_page: Callable[[dict[str, int]], Page],
    screenshot_of: Callable[[Page, str], Path],
    platform: flows.Platform,
    keelung_roster: None,
) -> None:
    page = new_page({"width": 1280, "height": 900})
    log_in(page, platform, "KLDOFFICER")
    page.goto(platform.base_url + "/appraisers/")
    page.get_by_text("不依輪次選任（司法事務官核可）").click()
    page.get_by_label("案號").last.fill("115年度司執字第777號")
    page.locator("#f-appraiser_id").select_option(label="丙建築師事務所（輪派中）")
    page.get_by_label("事由").select_option("special_object")
    page.get_by_label("理由").fill("標的為古蹟建築，宜委由建築師鑑定")
    page.get_by_role("button", name="核可並選任").click()
    expect(page.get_by_text("已不依輪次選任：丙建築師事務所")).to_be_visible()
    expect(page.get_by_text("核可：KLDOFFICER")).to_be_visible()
    screenshot_of(page, "appraisers-off-rotation-1280")

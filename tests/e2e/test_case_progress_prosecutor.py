"""Issue 11's journey 6 in the browser: a prosecutor signs in through the ministry's single
window (the real Keycloak of deploy/local), finds 案件進度查詢 on the dashboard, sees the
cases whose court data name their identifier (TPS-0427) without applying case by case,
opens one, and is refused another prosecutor's case with a clear zh-TW page (a 404 that
names nothing of that case), at phone and desktop width, with axe-core on each page."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from jes.case_sync.v1 import cases_pb2
from support import case_journeys as cj
from support import flows
from support.keycloak import PROSECUTOR_CHEN, fill_keycloak_login

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def platform(sso_platform: flows.Platform) -> flows.Platform:
    return sso_platform


@pytest.fixture(scope="module")
def cases(platform: flows.Platform) -> dict[str, tuple[cases_pb2.CaseKey, str]]:
    """Two criminal cases at 臺北地院: one naming 陳建國 (TPS-0427), one another prosecutor."""
    court = platform.court_system("TPD")
    theirs = cj.new_case(category=cases_pb2.CASE_CATEGORY_CRIMINAL, word="訴")
    others = cj.new_case(category=cases_pb2.CASE_CATEGORY_CRIMINAL, word="易")
    cj.push(court, theirs, f"pe-{theirs.number}-1", "分案", posted_on=cj.today())
    theirs_id = cj.push(
        court, theirs, f"pe-{theirs.number}-2", "準備程序", hearing=cj.hearing_in(7)
    ).case_id
    others_id = cj.push(court, others, f"pe-{others.number}-1", "他案之分案").case_id
    cj.set_prosecutors(court, theirs, "TPS-0427")
    cj.set_prosecutors(court, others, "TPS-9999")
    return {"theirs": (theirs, theirs_id), "others": (others, others_id)}


def sign_in_at_the_single_window(page: Page, base_url: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_role("link", name="檢察官（法務部單一登入窗口）").click()
    expect(page.locator("#kc-form-login")).to_be_visible()
    fill_keycloak_login(page, *PROSECUTOR_CHEN)
    # back at JES, signed in (the first visit asks for an e-mail; the cases need none)
    expect(page.get_by_role("region", name="登入者")).to_contain_text("陳建國")


@pytest.mark.parametrize(("viewport", "width"), [(PHONE, "390"), (DESKTOP, "1280")])
def test_a_prosecutor_reads_their_cases_in_the_browser(
    new_page: Callable[[dict[str, int]], Page],
    screenshot_of: Callable[[Page, str], Path],
    platform: flows.Platform,
    cases: dict[str, tuple[cases_pb2.CaseKey, str]],
    viewport: dict[str, int],
    width: str,
) -> None:
    theirs, _ = cases["theirs"]
    others, others_id = cases["others"]
    page = new_page(viewport)
    sign_in_at_the_single_window(page, platform.base_url)

    page.goto(platform.base_url + "/portal")
    menu = page.get_by_role("navigation", name="主選單")
    expect(menu.get_by_role("link", name="案件進度查詢", exact=True)).to_have_count(1)
    page.get_by_role("main").get_by_role("link", name="案件進度查詢").click()
    expect(page.get_by_role("heading", name="承辦案件進度")).to_be_visible()
    mine = page.get_by_role("link", name=f"臺灣臺北地方法院 刑事 {cj.dotted(theirs)}")
    expect(mine).to_be_visible()
    expect(page.get_by_text(cj.dotted(others))).to_have_count(0)
    expect(page.get_by_text("下次庭期：")).to_be_visible()
    screenshot_of(page, f"prosecutor-cases-{width}")
    no_sideways_scrolling(page)

    mine.click()
    expect(page.get_by_role("heading", name=f"刑事 {cj.dotted(theirs)}")).to_be_visible()
    expect(page.get_by_text(cj.formal(theirs))).to_be_visible()
    expect(page.get_by_role("region", name="下次庭期")).to_contain_text("第一法庭 言詞辯論")
    expect(page.locator("li.entry")).to_have_count(2)
    expect(page.locator("li.entry").first).to_contain_text("準備程序")
    screenshot_of(page, f"prosecutor-case-page-{width}")
    no_sideways_scrolling(page)

    # another prosecutor's case: a clear page that says nothing of the case, not a 5xx
    refused = page.goto(f"{platform.base_url}/cases/{others_id}")
    assert refused is not None and refused.status == 404, refused and refused.status
    expect(page.get_by_role("heading", name="無法完成您的要求")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(cj.dotted(others))
    expect(page.locator("main")).not_to_contain_text("他案之分案")
    expect(page.locator("p.error")).to_have_text(re.compile("[\u4e00-\u9fff]{4}"))
    screenshot_of(page, f"prosecutor-other-case-{width}")
    # nor does its feed page open
    refused_feeds = page.goto(f"{platform.base_url}/cases/{others_id}/feeds")
    assert refused_feeds is not None and refused_feeds.status == 404


def no_sideways_scrolling(page: Page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide on a {widths[1]} px screen"

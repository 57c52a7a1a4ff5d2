"""An appraiser's whole journey in a browser, checked by axe-core: KLDAPPRAISER applies
on a phone (390 px) as a real-estate appraiser with the six documents; the records chief,
the chair and a member decide on desktops (1280 px); the appraiser is mailed and on the
roster; a clerk asks by rotation and orders the fee; the appraiser records the payment and
hands in the report with its 26 items; the court's system reports two auctions unsold at
65 %; the records chief raises the matter from the flag; the appraiser replies from the
mail's link; the committee disqualifies; the rotation passes over them and a new
application is refused."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfWriter

from jes_zhtw.roc import to_taipei
from support import flows
from support.allinone import DEMO_PASSWORD
from support.appraiser_journeys import record_unsold_auctions
from support.court_login import log_in_at_court

APPRAISER_MAIL = "appraiser.kld@jes.example"
NAME = "李估價師（不動產估價師）"
DOCUMENTS = [
    "申請書",
    "主管機關核發之不動產估價師證書影本",
    "不動產估價師開業證書影本",
    "加入本院轄區或臺北市、新北市、宜蘭縣不動產估價師公會會員證書影本",
    "使用自動付款機（ATM）轉帳繳費時之銀行代號及轉帳代號",
]
EXPERIENCE = "具鑑定估價經驗之證明（包括委託鑑定之文件及五件鑑定報告）"
PHONE, DESK = {"width": 390, "height": 900}, {"width": 1280, "height": 900}


def a4_pdf(tmp: Path, name: str) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(width=595.28, height=841.89)
    out = io.BytesIO()
    writer.write(out)
    path = tmp / name
    path.write_bytes(out.getvalue())
    return path


@pytest.fixture(scope="module")
def court(platform: flows.Platform) -> None:
    """An appraiser already on the real-estate roster, and Keelung's committee."""
    chief = platform.login("KLDCHIEF", DEMO_PASSWORD)
    judge = platform.login("KLDJUDGE", DEMO_PASSWORD)
    senior = {"category": "real_estate", "name": "甲不動產估價師事務所", "qualification": "舊名冊"}
    assert platform.api("POST", "/api/v1/appraisers", chief, json=senior).ok
    for body in (
        {"name": "李庭長"},
        {"account_id": "KLDMEMBER1", "name": "周委員"},
        {"account_id": "KLDMEMBER2", "name": "吳委員"},
    ):
        assert platform.api("POST", "/api/v1/committee/members", judge, json=body).ok


log_in = partial(log_in_at_court, court="KLD")  # this file's court users


def upload(page: Page, label: str, path: Path) -> None:
    form = page.get_by_role("form", name=label, exact=True)
    form.locator('input[type="file"]').set_input_files(str(path))
    form.get_by_role("button", name="上傳").click()
    expect(page.get_by_text(f"已上傳：{path.name}")).to_be_visible()


def apply(page: Page, platform: flows.Platform) -> None:
    page.goto(platform.base_url + "/appraiser-applications/")
    page.get_by_label("法院").select_option("KLD")
    page.get_by_label("申請類別").select_option("real_estate_appraiser")
    page.get_by_label("公司行號或申請人名稱").fill(NAME)
    page.get_by_label("統一編號或證書字號").fill("(108)台內估字第000123號")
    page.get_by_label("事務所地址（本院轄區或鄰近縣市）").fill("基隆市信義區信一路50號")
    page.get_by_label("事務所電話（須為事務所自己名下的電話）").fill("02-2428-0050")
    page.get_by_label("姓名 1", exact=True).fill("李估價")
    page.get_by_label("身分證統一編號 1", exact=True).fill("A123456789")
    page.get_by_role("button", name="建立申請").click()


def vote_and_decide(platform: flows.Platform, new_page: Callable[[dict[str, int]], Page]) -> Page:
    chair = new_page(DESK)
    log_in(chair, platform, "KLDJUDGE")
    chair.goto(platform.base_url + "/committee/")
    chair.get_by_role("button", name="提付審查小組表決").click()
    chair.get_by_role("button", name="同意", exact=True).click()
    member = new_page(DESK)
    log_in(member, platform, "KLDMEMBER1")
    member.goto(platform.base_url + "/committee/")
    member.get_by_role("button", name="同意", exact=True).click()
    chair.goto(platform.base_url + "/committee/")
    chair.get_by_role("button", name="宣告表決結果").click()
    return chair


def test_the_whole_journey_in_a_browser(
    new_page: Callable[[dict[str, int]], Page],
    screenshot_of: Callable[[Page, str], Path],
    platform: flows.Platform,
    court: None,
    tmp_path: Path,
) -> None:
    appraiser = new_page(PHONE)
    log_in(appraiser, platform, "KLDAPPRAISER")
    apply(appraiser, platform)
    expect(appraiser.get_by_text("申請已建立，請逐項上傳文件後送出。")).to_be_visible()
    for label in DOCUMENTS:
        upload(appraiser, label, a4_pdf(tmp_path, "doc.pdf"))
    for n in range(5):
        upload(appraiser, EXPERIENCE, a4_pdf(tmp_path, f"report-{n}.pdf"))
    appraiser.get_by_role("button", name="送出申請").click()
    expect(appraiser.get_by_role("heading", name="狀態：待紀錄科科長擬具意見")).to_be_visible()
    application_url = appraiser.url

    records = new_page(DESK)
    log_in(records, platform, "KLDCHIEF")
    records.goto(application_url)
    records.get_by_role("textbox", name="初擬意見").fill("證書齊備，建議列入名冊")
    records.get_by_role("button", name="送庭長提付評選").click()
    expect(records.get_by_text("初擬意見已送庭長。")).to_be_visible()
    chair = vote_and_decide(platform, new_page)
    expect(chair.get_by_text("議決結果：通過")).to_be_visible()
    [qualified] = platform.wait_for_mail(APPRAISER_MAIL)
    assert qualified["subject"] == "【司法院】鑑定人資格評選合格，已列入鑑定人名冊"
    appraiser.goto(application_url)
    expect(appraiser.get_by_role("heading", name="狀態：評選合格，列入名冊")).to_be_visible()
    screenshot_of(appraiser, "journey-qualified-390")

    # the division: the rotation gives the senior one, then the newcomer
    clerk = new_page(DESK)
    log_in(clerk, platform, "KLDCLERK")
    for number, expected in (("2001", "甲不動產估價師事務所"), ("2002", NAME)):
        clerk.goto(platform.base_url + "/appraisers/")
        clerk.get_by_label("鑑定類別").select_option(label="不動產")
        clerk.get_by_label("年度").fill(f"115年度司執字第{number}號")
        clerk.get_by_label("股別").fill("甲")
        clerk.get_by_role("button", name="依輪次選任").click()
        expect(clerk.get_by_text(f"已依輪次選任：{expected}")).to_be_visible()
    screenshot_of(clerk, "journey-assigned-1280")
    clerk.get_by_role("link", name="命繳納鑑定費用、登錄通知").click()
    clerk.get_by_label("鑑定標的種類").select_option("building_with_land")
    clerk.get_by_label("交通費地區").select_option("city")
    clerk.get_by_role("button", name="命繳納").click()
    expect(clerk.get_by_text("115年度司執字第2002號").first).to_be_visible()

    case = "115年度司執字第2002號"
    appraiser.goto(platform.base_url + "/appraisers/my-work")
    row = appraiser.locator("tr", has_text=case).filter(has_text="繳納鑑定費用")
    row.get_by_label("繳納金額").fill("3960")
    row.get_by_role("button", name="登錄已繳納").click()
    expect(appraiser.get_by_text("已登錄鑑定費用繳納")).to_be_visible()
    appraiser.locator("tr", has_text=case).filter(has_text="送交鑑定書").get_by_role(
        "link", name="送交鑑定書"
    ).click()
    report = a4_pdf(tmp_path, "鑑定書.pdf")
    appraiser.get_by_label("鑑定書 PDF 檔").set_input_files(str(report))
    appraiser.get_by_label("鑑定日期").fill(to_taipei(datetime.now(UTC)).date().isoformat())
    appraiser.get_by_label("鑑定人住址").fill("基隆市信義區信一路50號")
    appraiser.get_by_label("鑑定人電話").fill("02-2428-0050")
    appraiser.get_by_label("鑑定費用總額（新臺幣元）").fill("3960")
    appraiser.get_by_label("鑑定標的種類").select_option("building_with_land")
    appraiser.get_by_label("交通費地區").select_option("city")
    for item in appraiser.locator("fieldset.report-item").all():
        item.get_by_label("已載明").check()
    appraiser.get_by_label("照片管理系統的照片集代號").fill("00000000-0000-4000-8000-000000000013")
    appraiser.get_by_role("button", name="送交鑑定書").click()
    appraiser.get_by_label("我已確認上列待確認事項，仍要送出").check()
    appraiser.get_by_label("鑑定書 PDF 檔").set_input_files(str(report))
    screenshot_of(appraiser, "journey-report-warnings-390")
    appraiser.get_by_role("button", name="送交鑑定書").click()
    expect(appraiser.get_by_text("鑑定書已送交法院")).to_be_visible()

    # the court's system: twice unsold at a reserve of 65 % within six months
    newcomer = next(
        e["id"]
        for e in platform.api(
            "GET",
            "/api/v1/appraisers?category=real_estate",
            platform.login("KLDCLERK", DEMO_PASSWORD),
        ).json()["entries"]
        if e["name"] == NAME
    )
    today = to_taipei(datetime.now(UTC)).date()
    record_unsold_auctions(
        platform,
        newcomer,
        [today - timedelta(days=40), today - timedelta(days=20)],
        outcome_prefix="KLD-2002",
        case_number=case,
    )

    records.goto(platform.base_url + "/committee/disqualification-flags")
    flag = records.locator("section.card", has_text=NAME)
    flag.get_by_label("初擬意見").fill("六個月內二次未能賣出，擬議決不適任")
    flag.get_by_role("button", name="報請審查小組議決不適任").click()
    expect(records.get_by_text("已報請審查小組議決")).to_be_visible()
    mails = platform.wait_for_mail(APPRAISER_MAIL, count=2)
    [raised] = [m for m in mails if "書面答辯" in m["subject"]]
    link = re.search(r"https?://\S+(/committee/matters/[0-9a-f-]+/reply)", raised["body"])
    assert link is not None
    appraiser.goto(platform.base_url + link.group(1))
    appraiser.get_by_label("您的書面答辯").fill("二次拍賣均逢市場急凍，鑑定價格並無偏高")
    appraiser.get_by_role("button", name="送出書面答辯").click()
    expect(appraiser.get_by_text("書面答辯已送出。")).to_be_visible()

    chair = vote_and_decide(platform, new_page)
    expect(chair.locator("article.matter", has_text="不適任")).to_contain_text("議決結果：通過")
    mails = platform.wait_for_mail(APPRAISER_MAIL, count=3)
    assert any(m["subject"] == "【司法院】鑑定人資格審查小組議決結果：不適任" for m in mails)
    appraiser.reload()
    expect(appraiser.get_by_text("議決結果：不適任")).to_be_visible()
    screenshot_of(appraiser, "journey-disqualified-390")

    # the senior's turn (theirs was earlier), then the newcomer's: passed over
    for number in ("2003", "2004"):
        clerk.goto(platform.base_url + "/appraisers/")
        clerk.get_by_label("鑑定類別").select_option(label="不動產")
        clerk.get_by_label("年度").fill(f"115年度司執字第{number}號")
        clerk.get_by_label("股別").fill("甲")
        clerk.get_by_role("button", name="依輪次選任").click()
        expect(clerk.get_by_text("已依輪次選任：甲不動產估價師事務所")).to_be_visible()
    expect(clerk.get_by_text(f"跳過：{NAME}（經議決為不適任）")).to_be_visible()
    screenshot_of(clerk, "journey-after-1280")

    apply(appraiser, platform)
    expect(appraiser.get_by_role("alert")).to_contain_text("經議決為不適任者")
    expect(appraiser.get_by_text("經議決不適任，已停止選任")).to_be_visible()  # the first one
    screenshot_of(appraiser, "journey-barred-390")

"""Appraiser applications and the committee in a browser, at phone and desktop widths,
checked by axe-core: a firm applies and uploads its documents (one refused by its
content), hands in; the records chief drafts the opinion; the chief judge appoints the
committee and calls the vote; members vote; the firm is on the roster."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import partial
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfWriter

from support import flows
from support.court_login import log_in_at_court

FIRM_DOCUMENTS = [
    "申請書",
    "公司執照、營利事業登記證及其他核准設立登記文件影本",
    "在本院轄區內或臺北市、新北市、宜蘭縣設有事務所之證明",
    "聘任之鑑定估價人員名冊及其學經歷資格證明文件影本",
    "使用自動付款機（ATM）轉帳繳費時之銀行代號及轉帳代號",
]
EXPERIENCE = "具鑑定估價經驗之證明（包括委託鑑定之文件及五件鑑定報告）"


def pdf_file(tmp: Path, name: str) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    path = tmp / name
    path.write_bytes(out.getvalue())
    return path


log_in = partial(log_in_at_court, court="KLD")  # this file's court users


def upload(page: Page, label: str, path: Path) -> None:
    form = page.get_by_role("form", name=label, exact=True)
    form.locator('input[type="file"]').set_input_files(str(path))
    form.get_by_role("button", name="上傳").click()


def test_apply_vote_and_enrol_in_a_browser(
    new_page: Callable[[dict[str, int]], Page],
    screenshot_of: Callable[[Page, str], Path],
    platform: flows.Platform,
    tmp_path: Path,
) -> None:
    firm = new_page({"width": 390, "height": 900})
    log_in(firm, platform, "DEMOFIRM", court="TPD")
    firm.goto(platform.base_url + "/appraiser-applications/")
    expect(firm.get_by_role("heading", name="申請列為鑑定人")).to_be_visible()
    firm.get_by_label("法院").select_option("KLD")
    firm.get_by_label("申請類別").select_option("firm")
    firm.get_by_label("公司行號或申請人名稱").fill("大安鑑定有限公司")
    firm.get_by_label("統一編號或證書字號").fill("12345675")
    firm.get_by_label("核准登記日（公司行號，須滿二年）").fill("2015-01-05")
    firm.get_by_label("事務所地址（本院轄區或鄰近縣市）").fill("基隆市仁愛區愛一路1號")
    firm.get_by_label("事務所電話（須為事務所自己名下的電話）").fill("02-2423-0001")
    firm.get_by_label("姓名 1", exact=True).fill("王大明")
    firm.get_by_label("身分證統一編號 1", exact=True).fill("A123456789")
    screenshot_of(firm, "appraiser-apply-390")
    firm.get_by_role("button", name="建立申請").click()
    expect(firm.get_by_text("申請已建立，請逐項上傳文件後送出。")).to_be_visible()

    not_pdf = tmp_path / "申請書.pdf"
    not_pdf.write_text("this is no PDF")
    upload(firm, "申請書", not_pdf)
    expect(firm.get_by_role("alert")).to_contain_text("檔案內容不是 PDF 或圖片")
    screenshot_of(firm, "appraiser-upload-refused-390")
    for label in FIRM_DOCUMENTS:
        upload(firm, label, pdf_file(tmp_path, "doc.pdf"))
        expect(firm.get_by_text("已上傳：doc.pdf")).to_be_visible()
    for n in range(5):
        upload(firm, EXPERIENCE, pdf_file(tmp_path, f"report-{n}.pdf"))
        expect(firm.get_by_text(f"已上傳：report-{n}.pdf")).to_be_visible()
    firm.get_by_role("button", name="送出申請").click()
    expect(firm.get_by_role("heading", name="狀態：待紀錄科科長擬具意見")).to_be_visible()
    application_url = firm.url

    desk = new_page({"width": 1280, "height": 900})
    log_in(desk, platform, "KLDCHIEF")
    desk.goto(application_url)
    screenshot_of(desk, "appraiser-application-1280")
    desk.get_by_role("textbox", name="初擬意見").fill("文件齊備，事務所位於轄區，建議列入名冊")
    desk.get_by_role("button", name="送庭長提付評選").click()
    expect(desk.get_by_text("初擬意見已送庭長。")).to_be_visible()

    chair = new_page({"width": 1280, "height": 900})
    log_in(chair, platform, "KLDJUDGE")
    chair.goto(platform.base_url + "/committee/")
    chair.get_by_label("委員姓名").fill("李庭長")
    chair.get_by_role("button", name="登錄委員").click()
    for member in ("KLDMEMBER1", "KLDMEMBER2"):
        chair.get_by_label("委員帳號（空白為庭長本人，任召集人）").fill(member)
        chair.get_by_label("委員姓名").fill(member)
        chair.get_by_role("button", name="登錄委員").click()
    expect(chair.get_by_role("heading", name="在任委員（3 人）")).to_be_visible()
    chair.get_by_role("button", name="提付審查小組表決").click()
    chair.get_by_role("button", name="同意", exact=True).click()
    expect(chair.get_by_text("同意 1｜不同意 0｜委員 3 人")).to_be_visible()

    member = new_page({"width": 390, "height": 900})
    log_in(member, platform, "KLDMEMBER1")
    member.goto(platform.base_url + "/committee/")
    screenshot_of(member, "appraiser-committee-390")
    member.get_by_role("button", name="同意", exact=True).click()
    expect(member.get_by_text("同意 2｜不同意 0｜委員 3 人")).to_be_visible()

    chair.goto(platform.base_url + "/committee/")
    chair.get_by_role("button", name="宣告表決結果").click()
    expect(chair.get_by_text("議決結果：通過")).to_be_visible()
    screenshot_of(chair, "appraiser-committee-1280")

    firm.goto(application_url)
    expect(firm.get_by_role("heading", name="狀態：評選合格，列入名冊")).to_be_visible()
    screenshot_of(firm, "appraiser-qualified-390")

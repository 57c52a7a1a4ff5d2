"""Journey 6 in the browser, at phone and desktop width: a professional fills in the
registration form (first wrongly: zh-TW errors beside each field and in a summary that
links to them), downloads the printable form, and an administrator refuses one
application with a reason and approves another on the queue. axe-core runs on every
state (the screenshot fixtures)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from support import flows
from support.allinone import DEMO_PASSWORD

# One applicant per width, each with a national ID of their own (one person, one
# account). Four posts in all: the per-client limit of applications is five an hour.
APPLICANTS = {390: ("A223456781", "PHONEA"), 1280: ("F123456784", "DESKA")}


def fill_in(page: Page, national_id: str, account_id: str, email: str) -> None:
    page.get_by_label("聲請人身分別").select_option("accountant")
    page.get_by_label("網站登入帳號").fill(account_id)
    page.get_by_label("聲請人姓名").fill(f"測試會計師{account_id}")
    page.get_by_label("女").check()
    page.locator("#f-national_id").fill(national_id)
    page.get_by_label("出生年月日").fill("0700305")
    page.get_by_label("證書字號").fill(f"台財證字第{account_id}號")
    page.get_by_label("通訊地址").fill("臺北市中正區重慶南路一段124號")
    page.get_by_label("聯絡電話").fill("02-2361-8577")
    page.get_by_label("電子郵件").fill(email)


@pytest.mark.parametrize("width", [390, 1280])
def test_registration_form_printable_form_and_the_admin_decision(
    new_page: Callable[[dict[str, int]], Page],
    platform: flows.Platform,
    screenshot_of: Callable[[Page, str], Path],
    width: int,
    tmp_path: Path,
):
    """At 390 px the administrator refuses (first without a reason), at 1280 approves."""
    viewport = {"width": width, "height": 900}
    page = new_page(viewport)
    page.goto(platform.base_url + "/register/professional?kind=accountant")
    expect(page.get_by_role("heading", name="專業人員帳號聲請")).to_be_visible()
    screenshot_of(page, f"professional-form-{width}")

    page.locator("#f-national_id").fill("A123456788")
    page.get_by_role("button", name="確定送出").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("聲請資料有誤，請修正後再送出")
    expect(page.locator("#e-national_id")).to_have_text("身分證字號檢查碼錯誤，請確認是否輸入正確")
    expect(page.locator("#e-name")).to_have_text("請輸入聲請人姓名")
    expect(page.locator("#e-licence_number")).to_have_text("請輸入證書字號")
    summary.get_by_role("link", name="身分證字號：身分證字號檢查碼錯誤，請確認是否輸入正確").click()
    expect(page.locator("#f-national_id")).to_be_focused()
    screenshot_of(page, f"professional-form-errors-{width}")

    national_id, account_id = APPLICANTS[width]
    name = f"測試會計師{account_id}"
    fill_in(page, national_id, account_id, f"e2e-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_role("button", name="確定送出").click()
    expect(page.get_by_role("heading", name="聲請已送出")).to_be_visible()
    screenshot_of(page, f"professional-submitted-{width}")
    with page.expect_download() as downloading:
        page.get_by_role("button", name="下載聲請表（PDF）").click()
    saved = tmp_path / "form.pdf"
    downloading.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")

    admin = new_page(viewport)
    admin.goto(platform.base_url + "/login")
    admin.get_by_label("帳號").fill("ADMIN")
    admin.get_by_label("密碼").fill(DEMO_PASSWORD)
    admin.get_by_role("button", name="登入").click()
    admin.goto(platform.base_url + "/admin/professionals")
    application = admin.locator("article.application", has_text=name)
    expect(application).to_be_visible()
    screenshot_of(admin, f"professional-queue-{width}")

    if width == 390:
        application.get_by_text("駁回…").click()
        application.get_by_role("button", name="確定駁回").click()
        expect(admin.get_by_text("請填寫駁回理由").first).to_be_visible()
        screenshot_of(admin, f"professional-queue-refusal-error-{width}")
        application = admin.locator("article.application", has_text=name)
        application.get_by_label("駁回理由").fill("證書影本不清楚，請補正後重新聲請")
        application.get_by_role("button", name="確定駁回").click()
        expect(admin.get_by_role("status").first).to_contain_text("已駁回")
        expect(admin.locator("table.list")).to_contain_text("證書影本不清楚")
    else:
        admin.once("dialog", lambda dialog: dialog.accept())
        application.get_by_role("button", name="核准").click()
        expect(admin.get_by_role("status").first).to_contain_text("已核准")
        expect(admin.locator("table.list")).to_contain_text("已核准，待啟用")
    expect(admin.locator("article.application", has_text=name)).to_have_count(0)
    screenshot_of(admin, f"professional-queue-decided-{width}")


@pytest.mark.parametrize("width", [390, 1280])
def test_reprint_page_says_what_is_missing_or_wrong(
    new_page: Callable[[dict[str, int]], Page],
    platform: flows.Platform,
    screenshot_of: Callable[[Page, str], Path],
    width: int,
):
    page = new_page({"width": width, "height": 900})
    page.goto(platform.base_url + "/register/professional/reprint")
    expect(page.get_by_role("heading", name="重印聲請表")).to_be_visible()
    page.get_by_role("button", name="下載聲請表（PDF）").click()
    expect(page.locator("#e-application_id")).to_have_text("請輸入聲請編號")
    expect(page.locator("#e-national_id")).to_have_text("請輸入身分證字號或外來人口統一證號")
    screenshot_of(page, f"professional-reprint-errors-{width}")
    page.locator("#f-application_id").fill(str(uuid.uuid4()))
    page.locator("#f-national_id").fill("A223456781")
    page.get_by_role("button", name="下載聲請表（PDF）").click()
    expect(page.locator("#error-summary")).to_contain_text(
        "查無此聲請案，請確認聲請編號及身分證字號"
    )
    screenshot_of(page, f"professional-reprint-not-found-{width}")

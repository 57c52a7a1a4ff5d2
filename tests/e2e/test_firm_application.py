"""A firm applies for an account on a phone-sized screen, first wrongly, then rightly."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from support import flows


def test_firm_application_form(
    page: Page, platform: flows.Platform, screenshot: Callable[[str], Path]
):
    page.goto(platform.base_url + "/")
    expect(page.get_by_role("heading", name="鑑估價公司新申請帳號")).to_be_visible()

    page.get_by_role("button", name="確定送出").click()
    expect(page.locator("#apply-result")).to_have_text("申請資料有誤，請修正後再送出")
    expect(page.locator(".field-error").first).to_be_visible()
    screenshot("firm-application-errors")

    email = f"e2e-{uuid.uuid4().hex[:8]}@example.com"
    page.get_by_label("所屬法院").select_option("KLD")
    page.get_by_label("公司名稱").fill("海港不動產估價師事務所")
    page.get_by_label("聯絡人").fill("林小華")
    page.get_by_label("電子郵件").fill(email)
    page.get_by_label("聯絡電話").fill("02-2465-2171")
    page.get_by_role("button", name="確定送出").click()
    expect(page.locator("#apply-result")).to_have_text("申請已送出，請等候法院審核")
    expect(page.locator(".field-error")).to_have_count(0)
    screenshot("firm-application-sent")

    [mail] = platform.wait_for_mail(email)
    assert "臺灣基隆地方法院" in mail["body"]
    page.goto(platform.base_url + "/dev/mailbox")
    expect(page.get_by_text(email)).to_be_visible()
    screenshot("dev-mailbox")


def test_the_password_pages_script_runs_under_the_csp(page: Page, platform: flows.Platform):
    """The strength meter is a file now (script-src 'self'): typing still rates the password,
    by the installation's policy (ASVS level 2 by default: length makes it strong)."""
    page.goto(platform.base_url + "/password/set?token=e2e-not-a-token")
    expect(page.locator("#strength-label")).to_have_text("密碼強度：—")
    page.locator("#f-new_password").fill("Abcdefgh1234")
    expect(page.locator("#strength-label")).to_have_text("密碼強度：普通")
    page.locator("#f-new_password").fill("correct horse battery staple")
    expect(page.locator("#strength-label")).to_have_text("密碼強度：很強")
    # length and "any character"; whether it is common is identity's to say
    expect(page.locator("#password-rules li.met")).to_have_count(2)


def test_a_csp_violation_would_be_seen(page: Page, platform: flows.Platform, page_problems):
    """The watch above is real: an inline script injected into a page is refused and noticed."""
    page.goto(platform.base_url + "/")
    page.set_content(
        '<meta http-equiv="Content-Security-Policy" content="script-src \'self\'">'
        "<script>document.title = 'ran'</script>"
    )
    assert page.title() != "ran"
    assert any("Content Security Policy" in found for found in page_problems.found)
    page_problems.found.clear()

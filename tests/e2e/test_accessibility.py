"""axe-core on the pages the other browser tests do not reach (home before any input, the
password and account pages), and proof that the check is real."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from support import flows
from support.accessibility import Accessibility
from support.allinone import DEMO_PASSWORD


def test_a_violation_would_be_seen(page: Page, platform: flows.Platform) -> None:
    """The check is not a silent pass: an unlabeled input is reported with its rule."""
    page.goto(platform.base_url + "/")
    page.set_content(
        '<!doctype html><html lang="zh-Hant-TW"><head><title>t</title></head>'
        '<body><main><h1>t</h1><input type="text"></main></body></html>'
    )
    found = Accessibility().check(page, "unlabeled-input")
    assert any(": label [critical]" in violation for violation in found), found
    assert any("input" in violation for violation in found), found


def test_home_and_password_pages(
    page: Page, platform: flows.Platform, accessibility: Accessibility
) -> None:
    page.goto(platform.base_url + "/")
    expect(page.get_by_role("heading", name="鑑估價公司新申請帳號")).to_be_visible()
    accessibility.check(page, "home")
    page.goto(platform.base_url + "/password/set?token=e2e-not-a-token")
    accessibility.check(page, "password-set")
    page.goto(platform.base_url + "/password/forgot")
    accessibility.check(page, "password-forgot")
    page.goto(platform.base_url + "/account/forgot-id")
    accessibility.check(page, "account-forgot-id")


def test_account_pages(page: Page, platform: flows.Platform, accessibility: Accessibility) -> None:
    page.goto(platform.base_url + "/login")
    page.get_by_label("所屬法院").select_option("TPD")
    page.get_by_label("帳號").fill("DEMOFIRM")
    page.get_by_label("密碼").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登入").click()
    expect(page.get_by_role("button", name="登出")).to_be_visible()
    page.goto(platform.base_url + "/account")
    accessibility.check(page, "account-profile")
    page.goto(platform.base_url + "/account/password")
    accessibility.check(page, "account-password")
    page.get_by_role("button", name="變更密碼").click()
    expect(page.locator("#e-current_password")).to_be_visible()
    accessibility.check(page, "account-password-errors")


def test_court_staff_pages(
    page: Page, platform: flows.Platform, accessibility: Accessibility
) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(platform.base_url + "/login")
    page.get_by_label("所屬法院").select_option("TPD")
    page.get_by_label("帳號").fill("TPDCLERK")
    page.get_by_label("密碼").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登入").click()
    expect(page.get_by_role("button", name="登出")).to_be_visible()
    for name, path in [
        ("court-queue-pending", "/court/reviews"),
        ("court-queue-approved", "/court/reviews?state=approved"),
        ("court-applications", "/court/applications"),
        ("court-audit", "/court/audit"),
        ("photos-rejected-as-clerk", "/photos/rejected"),
    ]:
        page.goto(platform.base_url + path)
        accessibility.check(page, name)

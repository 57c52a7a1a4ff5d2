"""The portal's home, login with the captcha, 會員專區 and the accessibility bars in the
browser (issue 10, journeys 1 and 2): axe-core on every state at phone (390 px) and
desktop (1280 px) width, the skip link, the focus ring, the error summary, and a double
tap on 確定送出 that sends one application."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from jes.identity.v1 import identity_pb2, identity_pb2_grpc
from support import callers, flows
from support.allinone import DEMO_PASSWORD

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def new_challenge(platform: flows.Platform) -> tuple[str, str]:
    """A challenge and its digits as identity gives them to the gateway (what a person
    reads off the picture): the test's way of solving the captcha."""
    identity = callers.client(
        platform.pki, platform.addrs["identity"], identity_pb2_grpc.IdentityServiceStub
    )
    challenge = identity.call("CreateLoginChallenge", identity_pb2.CreateLoginChallengeRequest())
    return challenge.id, challenge.digits


def fill_login(page: Page, account_id: str, password: str) -> None:
    page.get_by_label("會員帳號").fill(account_id)
    page.get_by_label("會員密碼").fill(password)
    page.get_by_role("button", name="登入").click()


@pytest.mark.parametrize("width", WIDTHS)
def test_home_login_and_guide(
    width: str,
    platform: flows.Platform,
    new_page: Callable[[dict[str, int]], Page],
    screenshot_of: Callable[[Page, str], Path],
):
    page = new_page(WIDTHS[width])
    page.goto(platform.base_url + "/")
    expect(page.get_by_role("heading", name="會員登入")).to_be_visible()
    for link in ("忘記密碼", "憑證註冊", "新手上路", "律師註冊", "事務所管理者註冊"):
        expect(page.get_by_role("link", name=link, exact=True).first).to_be_visible()
    expect(page.get_by_text("民國 ").first).to_be_visible()  # the date line
    screenshot_of(page, f"portal-home-{width}")
    page.goto(platform.base_url + "/login")
    screenshot_of(page, f"portal-login-{width}")
    page.goto(platform.base_url + "/guide")
    expect(page.get_by_role("heading", name="新手上路")).to_be_visible()
    screenshot_of(page, f"portal-guide-{width}")


def test_skip_link_and_focus_ring(
    platform: flows.Platform, new_page: Callable[[dict[str, int]], Page]
):
    page = new_page(WIDTHS["desktop"])
    page.goto(platform.base_url + "/login")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要內容")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    ring = skip.evaluate(
        "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth,"
        " s.outlineColor, s.boxShadow]; }"
    )
    assert ring[:3] == ["solid", "3px", "rgb(17, 17, 17)"]  # near-black: 18:1 on white
    assert "rgb(255, 255, 255)" in ring[3]  # the white band: 8:1 on the blue header
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('main') !== null")
    assert focused  # the next stop is inside the main content, past the menu


def test_captcha_login_and_dashboard(
    platform: flows.Platform,
    new_page: Callable[[dict[str, int]], Page],
    screenshot_of: Callable[[Page, str], Path],
):
    """One browser (five login posts: the gateway's per-client budget is shared by the
    whole browser test run), each state checked at both widths."""
    page = new_page(WIDTHS["phone"])

    def both_widths(name: str) -> None:
        for width, size in WIDTHS.items():
            page.set_viewport_size(size)
            screenshot_of(page, f"{name}-{width}")
        page.set_viewport_size(WIDTHS["phone"])

    page.goto(platform.base_url + "/login")
    for _ in range(3):
        fill_login(page, "KLDCLERK", "Wrong1234!")
        expect(page.get_by_role("alert")).to_contain_text("帳號或密碼錯誤")
    expect(page.get_by_role("img", name="圖形驗證碼")).to_be_visible()
    expect(page.get_by_role("link", name="聽語音驗證碼（國語）")).to_be_visible()
    fill_login(page, "KLDCLERK", DEMO_PASSWORD)  # the rules now ask for the captcha
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    to_field = summary.get_by_role("link", name="輸入驗證：請輸入圖形驗證碼")
    expect(to_field).to_be_visible()
    both_widths("portal-login-captcha")
    to_field.click()
    expect(page.get_by_label("輸入驗證")).to_be_focused()
    challenge_id, digits = new_challenge(platform)
    page.locator("input[name=captcha_id]").evaluate("(e, id) => { e.value = id; }", challenge_id)
    page.get_by_label("輸入驗證").fill(digits)
    fill_login(page, "KLDCLERK", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="會員專區")).to_be_visible()
    # three wrong passwords and the attempt without the captcha
    expect(page.get_by_text("4 次（自上次登入成功後）")).to_be_visible()
    expect(page.get_by_role("link", name="鑑估報告照片審核")).to_be_visible()
    expect(page.get_by_text("這是您第一次登入")).to_be_visible()
    both_widths("portal-dashboard")


def test_a_double_tap_on_submit_sends_one_application(
    platform: flows.Platform,
    new_page: Callable[[dict[str, int]], Page],
    screenshot_of: Callable[[Page, str], Path],
):
    page = new_page(WIDTHS["phone"])
    page.goto(platform.base_url + "/")
    form = page.locator("#apply-form")
    form.get_by_label("所屬法院").select_option("KLD")
    form.get_by_label("公司名稱").fill("雙擊測試不動產估價師事務所")
    form.get_by_label("聯絡人").fill("陳雙擊")
    form.get_by_label("電子郵件").fill("double.tap@example.com")
    form.get_by_label("聯絡電話").fill("02-2465-0000")
    form.get_by_role("button", name="確定送出").dblclick()
    result = page.locator("#apply-result")
    expect(result).to_have_class("ok")
    expect(result).not_to_be_empty()
    expect(form.get_by_role("button", name="確定送出")).to_be_enabled()
    expect(page.locator(".field-error")).to_have_count(0)
    expect(result).to_have_class("ok")  # still the success, not an empty form in red
    screenshot_of(page, "portal-apply-double-tap-phone")
    mails = platform.wait_for_mail("double.tap@example.com")
    assert len(mails) == 1

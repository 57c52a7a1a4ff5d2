"""Journey 7 in the browser: a judge's first visit through the courts' single sign-on
(the real Keycloak of deploy/local, federating the slapd directory of test judges), at
phone and desktop width, with axe-core on each of JES's pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from support import flows
from support.keycloak import fill_keycloak_login

# test judges of deploy/local/directory/judges.ldif: (account, password, name, court)
JUDGE_LIN = ("judge.lin", "Judge-Lin-2026", "林美華", "臺灣高雄地方法院")
JUDGE_WANG = ("judge.wang", "Judge-Wang-2026", "王大明", "臺灣臺北地方法院")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def platform(sso_platform: flows.Platform) -> flows.Platform:
    return sso_platform


@pytest.mark.parametrize(
    ("viewport", "width", "judge"), [(PHONE, "phone", JUDGE_LIN), (DESKTOP, "desktop", JUDGE_WANG)]
)
def test_a_judges_first_visit_in_the_browser(
    new_page: Callable[[dict[str, int]], Page],
    screenshot_of: Callable[[Page, str], Path],
    platform: flows.Platform,
    viewport: dict[str, int],
    width: str,
    judge: tuple[str, str, str, str],
) -> None:
    username, password, name, court = judge
    page = new_page(viewport)
    page.goto(platform.base_url + "/login")
    sso = page.get_by_role("link", name="法官單一登入")
    expect(sso).to_be_visible()
    expect(page.get_by_role("link", name="檢察官（法務部單一登入窗口）")).to_be_visible()
    screenshot_of(page, f"sso-login-{width}")

    sso.click()
    expect(page.locator("#kc-form-login")).to_be_visible()
    fill_keycloak_login(page, username, password)

    # back at JES: the account exists, filled in from the directory; only the e-mail is asked
    expect(page.get_by_role("heading", name="帳號 / 基本資料")).to_be_visible()
    expect(page.get_by_text("已為您建立帳號")).to_be_visible()
    expect(page.locator("dd").filter(has_text=name)).to_have_text(f"{name} 法官")
    expect(page.get_by_text(username, exact=True)).to_be_visible()
    expect(page.get_by_text(court)).to_be_visible()
    screenshot_of(page, f"sso-judge-first-visit-{width}")

    email = f"{username}@courts.test"
    page.get_by_label("E-MAIL").fill(email)
    page.get_by_role("button", name="發送認證碼").click()
    expect(page.get_by_text(f"認證碼已寄至 {email}")).to_be_visible()
    screenshot_of(page, f"sso-judge-code-{width}")
    [mail] = platform.wait_for_mail(email)
    code = re.search(r"(?<![0-9])([0-9]{6})(?![0-9])", mail["body"]).group(1)  # type: ignore[union-attr]
    page.get_by_label("認證碼").fill(code)
    page.get_by_role("button", name="確認註冊").click()
    expect(page.get_by_text("已完成註冊")).to_be_visible()
    screenshot_of(page, f"sso-judge-registered-{width}")
    # the directory owns the name and the password: no 維護密碼, a read-only name
    page.goto(platform.base_url + "/account")
    expect(page.get_by_role("link", name="維護密碼")).to_have_count(0)
    expect(page.locator("#f-display_name")).to_have_attribute("readonly", "")
    expect(page.get_by_text("名稱由所屬機關的單一登入目錄提供")).to_be_visible()
    screenshot_of(page, f"sso-judge-account-{width}")

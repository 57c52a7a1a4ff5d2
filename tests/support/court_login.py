"""A court user's login in the browser (the court's own login form), for tests/e2e."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from support import flows
from support.accessibility import Accessibility
from support.allinone import DEMO_PASSWORD


def log_in_at_court(
    page: Page,
    platform: flows.Platform,
    account_id: str,
    court: str,
    accessibility: Accessibility | None = None,
) -> None:
    """Logs `account_id` of `court` in with the demo password; checks the login page with
    axe first when given `accessibility`."""
    page.goto(platform.base_url + "/login")
    if accessibility is not None:
        accessibility.check(page, "login")
    page.get_by_label("所屬法院").select_option(court)
    page.get_by_label("帳號").fill(account_id)
    page.get_by_label("密碼").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登入").click()
    expect(page.get_by_role("button", name="登出")).to_be_visible()

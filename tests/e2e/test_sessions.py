"""Journeys 3, 9 and 10 of issue 10 in the browser: a form sent after the session ended
comes back filled in after the re-login (issue 10: "an edit typed over ten minutes came
back empty after the forced re-login"); the list of sessions with 登出所有裝置; binding
a case-progress account."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from support import flows, journey
from support.allinone import DEMO_PASSWORD, running_all_in_one


def log_in(page: Page, base_url: str, account_id: str, password: str) -> None:
    page.get_by_label("帳號").fill(account_id)
    page.get_by_label("密碼").fill(password)
    page.get_by_role("button", name="登入").click()


def test_a_form_sent_after_the_session_ended_comes_back_filled_in(
    new_page: Callable[[dict[str, int]], Page],
    platform: flows.Platform,
    screenshot_of: Callable[[Page, str], Path],
) -> None:
    account_id, password, _ = journey.firm_is_activated(platform, ("TPDCLERK", DEMO_PASSWORD))
    for width, height in ((390, 844), (1280, 900)):
        page = new_page({"width": width, "height": height})
        page.goto(platform.base_url + "/login?next=/account")
        log_in(page, platform.base_url, account_id, password)
        expect(page.get_by_role("heading", name="個人帳號維護")).to_be_visible()
        page.get_by_label("名稱").fill(f"長時間編輯的名稱 {width}")
        page.get_by_label("聯絡人").fill("編輯中的聯絡人")

        # meanwhile the session ends on the server (here: signed out everywhere)
        token = platform.login(account_id, password)
        ended = platform.api("DELETE", "/api/v1/sessions", token)
        assert ended.status_code == 200, ended.text

        page.get_by_role("button", name="存檔").click()
        expect(page.get_by_text("您已登出，請重新登入")).to_be_visible()
        assert "/login?next=/account" in page.url
        screenshot_of(page, f"session-ended-login-{width}")
        log_in(page, platform.base_url, account_id, password)

        expect(page.get_by_role("heading", name="個人帳號維護")).to_be_visible()
        expect(page.get_by_text("已填回您重新登入前輸入的資料")).to_be_visible()
        expect(page.get_by_label("名稱")).to_have_value(f"長時間編輯的名稱 {width}")
        expect(page.get_by_label("聯絡人")).to_have_value("編輯中的聯絡人")
        screenshot_of(page, f"session-form-restored-{width}")
        page.get_by_role("button", name="存檔").click()
        expect(page.get_by_text("個人帳號資料已存檔")).to_be_visible()
        # saved: a later visit starts from what was stored, nothing restored
        page.goto(platform.base_url + "/account")
        expect(page.get_by_text("已填回您重新登入前輸入的資料")).to_have_count(0)


def test_sessions_page_and_sign_out_everywhere(
    new_page: Callable[[dict[str, int]], Page],
    platform: flows.Platform,
    screenshot_of: Callable[[Page, str], Path],
) -> None:
    account_id, password, _ = journey.firm_is_activated(platform, ("TPDCLERK", DEMO_PASSWORD))
    phone = new_page({"width": 390, "height": 844})
    desk = new_page({"width": 1280, "height": 900})
    for page in (phone, desk):
        page.goto(platform.base_url + "/login")
        log_in(page, platform.base_url, account_id, password)
        expect(page.get_by_role("button", name="登出")).to_be_visible()
    for page, name in ((phone, "390"), (desk, "1280")):
        page.goto(platform.base_url + "/account/sessions")
        expect(page.get_by_role("heading", name="登入裝置")).to_be_visible()
        expect(page.get_by_text("（目前使用中）")).to_be_visible()
        screenshot_of(page, f"account-sessions-{name}")
    desk.once("dialog", lambda dialog: dialog.accept())
    desk.get_by_role("button", name="登出所有裝置").click()
    expect(desk.get_by_text("已登出所有裝置")).to_be_visible()
    phone.goto(platform.base_url + "/account")
    expect(phone.get_by_role("button", name="登入")).to_be_visible()  # asked to log in again


def test_binding_a_case_progress_account(
    new_page: Callable[[dict[str, int]], Page],
    platform: flows.Platform,
    screenshot_of: Callable[[Page, str], Path],
) -> None:
    account_id, password, _ = journey.firm_is_activated(platform, ("TPDCLERK", DEMO_PASSWORD))
    page = new_page({"width": 390, "height": 844})
    page.goto(platform.base_url + "/login?next=/account/binding")
    log_in(page, platform.base_url, account_id, password)
    expect(page.get_by_role("heading", name="綁定案件進度查詢帳號")).to_be_visible()
    screenshot_of(page, "account-binding-390")
    page.get_by_label("要綁定的帳號").fill("DEMOPROGRESS")
    page.get_by_label("該帳號的密碼").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="確認綁定").click()
    expect(page.get_by_text(f"已綁定 {account_id} 與 DEMOPROGRESS")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot_of(page, "account-binding-bound-1280")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="解除綁定").click()
    expect(page.get_by_text("已解除與 DEMOPROGRESS 的綁定")).to_be_visible()


@pytest.fixture(scope="module")
def short_idle_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[flows.Platform]:
    """An installation whose sessions end after 125 s without activity: the page's warning
    (2 minutes before) comes at once."""
    with running_all_in_one(
        tmp_path_factory.mktemp("jes-e2e-idle"), settings={"JES_SESSION_IDLE_SECONDS": "125"}
    ) as platform:
        yield platform


def test_the_idle_warning_extends_or_logs_out_and_returns_to_the_form(
    new_page: Callable[[dict[str, int]], Page],
    short_idle_platform: flows.Platform,
    screenshot_of: Callable[[Page, str], Path],
) -> None:
    base_url = short_idle_platform.base_url
    page = new_page({"width": 390, "height": 844})
    page.clock.install()  # the page's timers: run forward below instead of waiting
    page.goto(base_url + "/login?next=/account")
    log_in(page, base_url, "DEMOFIRM", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="個人帳號維護")).to_be_visible()
    page.get_by_label("聯絡人").fill("閒置前輸入的聯絡人")

    page.clock.run_for(10_000)  # the status check: under 2 minutes left
    dialog = page.get_by_role("alertdialog", name="即將自動登出")
    expect(dialog).to_be_visible()
    expect(page.get_by_role("button", name="繼續使用")).to_be_focused()
    screenshot_of(page, "session-idle-warning-390")
    page.get_by_role("button", name="繼續使用").click()
    expect(dialog).to_be_hidden()
    status = page.request.get(base_url + "/session/status").json()
    assert status["active"] is True and status["seconds_left"] > 115

    page.clock.run_for(10_000)  # warned again (2 minutes before the new end) ...
    expect(dialog).to_be_visible()
    page.clock.run_for(130_000)  # ... and nobody answered: logged out, to log in again
    expect(page.get_by_text("閒置過久，已自動登出，請重新登入")).to_be_visible()
    assert "/login?next=/account" in page.url
    log_in(page, base_url, "DEMOFIRM", DEMO_PASSWORD)
    expect(page.get_by_label("聯絡人")).to_have_value("閒置前輸入的聯絡人")
    expect(page.get_by_text("已填回您重新登入前輸入的資料")).to_be_visible()

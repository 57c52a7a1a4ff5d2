"""Journey 4 in the browser at phone width: a new entry's mail, its unsubscribe link
opened (a page with a button: opening alone changes nothing, as a mail scanner opens it),
the button, and the settings page's daily digest. (Follow activation and the case page
join this journey once case-sync answers GetCase and opens accounts: next session.)"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from jes.case_sync.v1 import case_sync_pb2, cases_pb2
from support import flows
from support.processes import wait_until


def mailed_follower(platform: flows.Platform) -> dict:
    court = platform.court_system("TPD")
    follower = flows.unique_email("e2e-party")
    number = int(uuid.uuid4().int % 900000) + 1
    case = cases_pb2.CaseKey(
        court_code="TPD", category=cases_pb2.CASE_CATEGORY_CIVIL, year=115, word="訴", number=number
    )
    court.call(
        "ApproveFollow",
        case_sync_pb2.ApproveFollowRequest(
            case=case, email=follower, role=cases_pb2.FOLLOWER_ROLE_PARTY
        ),
    )
    entry = cases_pb2.ProgressEntry(
        source_entry_id=f"e2e-{number}", posted_on="2026-11-20", item="定期言詞辯論"
    )
    court.call("PushProgress", case_sync_pb2.PushProgressRequest(case=case, entry=entry))

    def progress_mail() -> list[dict]:
        return [m for m in platform.mails_to(follower) if "案件進度更新" in m["subject"]]

    wait_until(lambda: bool(progress_mail()), timeout=30, what="the progress mail")
    return progress_mail()[0]


def link_after(mail: dict, label: str) -> str:
    return next(
        line.split("：", 1)[1] for line in mail["body"].splitlines() if line.startswith(label)
    )


def test_unsubscribe_from_the_mail_on_a_phone(
    page: Page, platform: flows.Platform, screenshot: Callable[[str], Path]
):
    mail = mailed_follower(platform)
    unsubscribe = next(v for k, v in mail["headers"] if k == "List-Unsubscribe").strip("<>")
    page.goto(unsubscribe)
    expect(page.get_by_role("heading", name="停止案件進度通知")).to_be_visible()
    expect(page.get_by_text("臺灣臺北地方法院")).to_be_visible()
    screenshot("case-notices-unsubscribe-390")
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot("case-notices-unsubscribe-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="停止通知本案").click()
    expect(page.get_by_role("heading", name="已停止通知本案")).to_be_visible()
    screenshot("case-notices-unsubscribed-390")
    page.get_by_role("link", name="通知設定").click()
    expect(page.get_by_role("radio", name="不再通知")).to_be_checked()


def test_choose_the_daily_digest_on_a_phone(
    page: Page, platform: flows.Platform, screenshot: Callable[[str], Path]
):
    mail = mailed_follower(platform)
    page.goto(link_after(mail, "改為每日摘要或停止通知本案："))
    expect(page.get_by_role("radio", name="有新進度即通知")).to_be_checked()
    screenshot("case-notices-settings-390")
    page.get_by_role("radio", name="每日摘要").check()
    page.get_by_role("button", name="儲存").click()
    expect(page.get_by_role("status")).to_have_text("已儲存：每日摘要。")
    expect(page.get_by_role("radio", name="每日摘要")).to_be_checked()
    screenshot("case-notices-settings-saved-390")

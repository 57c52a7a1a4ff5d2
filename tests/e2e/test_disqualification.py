"""Disqualification in a browser, at phone and desktop widths, checked by axe-core: the
court's system reports auctions (real estate twice unsold at a reserve of 65 % for one
width, other property three times unsold at 51 % for the other); the records chief raises
the matter from the flag with its evidence filled in; the appraiser follows the mail's
link and replies in writing; the chair puts it to the vote, the members vote, the chair
decides; the appraiser sees the result on the reply page. Their own page
(/appraisers/my-work) lists the matter, linked to it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from jes_zhtw.roc import to_taipei
from support import flows
from support.allinone import DEMO_PASSWORD
from support.appraiser_journeys import record_unsold_auctions
from support.court_login import log_in_at_court

APPRAISER_MAIL = "appraiser.kld@jes.example"
# per width: the roster entry, its category, the ground the outcomes show and how many
CASES = {
    390: ("甲估價師事務所", "real_estate", 15, 65, 2),
    1280: ("乙鑑定有限公司", "other_property", 16, 51, 3),
}


@pytest.fixture(scope="module")
def flagged(platform: flows.Platform) -> dict[int, list[str]]:
    """Both entries (KLDAPPRAISER's account) with the auctions that flag them, and
    Keelung's committee; the evidence expected per width."""
    chief = platform.login("KLDCHIEF", DEMO_PASSWORD)
    judge = platform.login("KLDJUDGE", DEMO_PASSWORD)
    for body in (
        {"name": "李庭長"},
        {"account_id": "KLDMEMBER1", "name": "周委員"},
        {"account_id": "KLDMEMBER2", "name": "吳委員"},
    ):
        assert platform.api("POST", "/api/v1/committee/members", judge, json=body).ok
    today = to_taipei(datetime.now(UTC)).date()
    evidence = {}
    for width, (name, category, _, reserve, count) in CASES.items():
        entry = platform.api(
            "POST",
            "/api/v1/appraisers",
            chief,
            json={"category": category, "name": name, "account_id": "KLDAPPRAISER"},
        ).json()
        held = [today - timedelta(days=10 + 30 * n) for n in range(count)][::-1]
        record_unsold_auctions(
            platform, entry["id"], held, outcome_prefix=f"KLD-{width}", reserve_percent=reserve
        )
        evidence[width] = [f"{d.isoformat()} 底價 {reserve}% 未拍定" for d in held]
    return evidence


log_in = partial(log_in_at_court, court="KLD")  # this file's court users


@pytest.mark.parametrize("width", [390, 1280])
def test_raise_from_the_flag_reply_and_decide(
    new_page: Callable[[dict[str, int]], Page],
    screenshot_of: Callable[[Page, str], Path],
    platform: flows.Platform,
    flagged: dict[int, list[str]],
    width: int,
) -> None:
    name, _, ground, _, _ = CASES[width]
    viewport = {"width": width, "height": 900}

    records = new_page(viewport)
    log_in(records, platform, "KLDCHIEF")
    records.goto(platform.base_url + "/committee/")
    records.get_by_role("link", name="不適任事由提示（依資料報請議決）").click()
    expect(records.get_by_role("heading", name="不適任事由提示", level=1)).to_be_visible()
    flag = records.locator(
        "section.card", has=records.get_by_role("heading", name=f"{name}｜第{ground}款")
    )
    expect(flag.get_by_label("報請議決之相關資料（可增修）")).to_have_value(
        "\n".join(flagged[width])
    )
    screenshot_of(records, f"disqualification-flags-{width}")
    flag.get_by_label("初擬意見").fill("六個月內多次未能賣出，擬議決不適任")
    flag.get_by_role("button", name="報請審查小組議決不適任").click()
    expect(records.get_by_text("已報請審查小組議決，並通知鑑定人提出書面答辯。")).to_be_visible()

    mail = next(
        m
        for m in platform.wait_for_mail(APPRAISER_MAIL, count=1 if width == 390 else 3)
        if m["body"].startswith(f"{name} 您好") and "書面答辯" in m["subject"]
    )
    link = re.search(r"https?://\S+(/committee/matters/[0-9a-f-]+/reply)", mail["body"])
    assert link is not None
    appraiser = new_page(viewport)
    log_in(appraiser, platform, "KLDAPPRAISER")
    appraiser.goto(platform.base_url + link.group(1))
    expect(appraiser.get_by_role("heading", name=f"不適任案書面答辯：{name}")).to_be_visible()
    expect(appraiser.get_by_text(flagged[width][0])).to_be_visible()
    screenshot_of(appraiser, f"disqualification-reply-{width}")
    appraiser.get_by_label("您的書面答辯").fill("各次拍賣均逢市場急凍，鑑定價格並無偏高")
    appraiser.get_by_role("button", name="送出書面答辯").click()
    expect(appraiser.get_by_text("書面答辯已送出。")).to_be_visible()
    # their own page lists the matter with the way back to it
    appraiser.goto(platform.base_url + "/appraisers/my-work")
    mine = appraiser.locator("section", has_text="關於您的不適任案")
    expect(mine).to_contain_text(name)
    expect(mine.locator(f'a[href="{link.group(1)}"]')).to_have_text("查看")
    screenshot_of(appraiser, f"my-work-matters-{width}")
    appraiser.goto(platform.base_url + link.group(1))

    chair = new_page(viewport)
    log_in(chair, platform, "KLDJUDGE")
    chair.goto(platform.base_url + "/committee/")
    matter = chair.locator("article.matter", has_text=name)
    expect(matter).to_contain_text("各次拍賣均逢市場急凍")
    expect(matter).to_contain_text(flagged[width][-1])  # the members see the evidence
    matter.get_by_role("button", name="提付審查小組表決").click()
    chair.locator("article.matter", has_text=name).get_by_role(
        "button", name="同意", exact=True
    ).click()
    member = new_page(viewport)
    log_in(member, platform, "KLDMEMBER1")
    member.goto(platform.base_url + "/committee/")
    member.locator("article.matter", has_text=name).get_by_role(
        "button", name="同意", exact=True
    ).click()
    chair.goto(platform.base_url + "/committee/")
    chair.locator("article.matter", has_text=name).get_by_role(
        "button", name="宣告表決結果"
    ).click()
    expect(chair.locator("article.matter", has_text=name)).to_contain_text("議決結果：通過")
    screenshot_of(chair, f"disqualification-decided-{width}")

    appraiser.reload()
    expect(appraiser.get_by_text("議決結果：不適任")).to_be_visible()
    screenshot_of(appraiser, f"disqualification-result-{width}")

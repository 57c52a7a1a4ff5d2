"""Disqualification on the pages in all-in-one mode: the court's system reports two
auctions unsold at a reserve of 65 %; the records chief sees the flag with its evidence
and raises the matter from it (ground and evidence filled in); the appraiser is mailed,
follows the mail's link to the reply page and replies in writing (an empty reply refused
in zh-TW); the chair puts it to the vote, the members vote, the chair decides; the
appraiser is mailed the result and sees it on the same page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from jes_zhtw.roc import to_taipei
from support import flows
from support.allinone import DEMO_PASSWORD
from support.appraiser_journeys import record_unsold_auctions
from support.web import WebClient

APPRAISER_MAIL = "appraiser.kld@jes.example"


def person(platform: flows.Platform, account_id: str) -> WebClient:
    web = WebClient(platform.base_url)
    assert web.login(account_id, DEMO_PASSWORD).status_code == 302
    return web


def test_raise_from_the_flag_reply_vote_and_decide_on_the_pages(platform: flows.Platform):
    chief_api = platform.login("KLDCHIEF", DEMO_PASSWORD)
    entry = platform.api(
        "POST",
        "/api/v1/appraisers",
        chief_api,
        json={"category": "real_estate", "name": "甲估價師事務所", "account_id": "KLDAPPRAISER"},
    )
    assert entry.status_code == 200, entry.text
    appraiser_id = entry.json()["id"]
    today = to_taipei(datetime.now(UTC)).date()
    held = [today - timedelta(days=50), today - timedelta(days=20)]
    record_unsold_auctions(platform, appraiser_id, held, outcome_prefix="KLD-115-77")

    chair = person(platform, "KLDJUDGE")
    chair.get("/committee/")
    chair.post("/committee/members", {"name": "李庭長"})
    for member in ("KLDMEMBER1", "KLDMEMBER2"):
        chair.get("/committee/")
        chair.post("/committee/members", {"account_id": member, "name": member})

    records = person(platform, "KLDCHIEF")
    assert "不適任事由提示" in records.get("/committee/").text
    flags = records.get("/committee/disqualification-flags")
    assert flags.status_code == 200
    assert "甲估價師事務所｜第15款" in flags.text
    evidence = "\n".join(f"{d.isoformat()} 底價 65% 未拍定" for d in held)
    assert f'name="evidence" rows="4">{evidence}</textarea>' in flags.text
    no_opinion = records.post(
        "/committee/disqualifications",
        {"appraiser_id": appraiser_id, "grounds": "15", "evidence": evidence, "opinion": ""},
    )
    assert no_opinion.status_code == 400 and "請填寫初擬意見" in no_opinion.text
    records.get("/committee/disqualification-flags")
    raised = records.post(
        "/committee/disqualifications",
        {
            "appraiser_id": appraiser_id,
            "grounds": "15",
            "evidence": evidence,
            "opinion": "六個月內二次未能賣出，擬議決不適任",
        },
    )
    assert "已報請審查小組議決" in raised.text and "尚待鑑定人書面答辯" in raised.text

    # the flag now points to the open matter instead of raising a second one
    pending = records.get("/committee/disqualification-flags").text
    assert "已報請議決，審查中" in pending and "報請審查小組議決不適任</button>" not in pending

    [mail] = platform.wait_for_mail(APPRAISER_MAIL)
    assert mail["subject"] == "【司法院】鑑定人不適任案，請提出書面答辯"
    link = re.search(r"https?://\S+/committee/matters/([0-9a-f-]+)/reply", mail["body"])
    assert link is not None
    reply_path = f"/committee/matters/{link.group(1)}/reply"

    appraiser = person(platform, "KLDAPPRAISER")
    # their own page lists the matters about them, each with the way to its reply page
    mine = appraiser.get("/appraisers/my-work").text
    assert "關於您的不適任案（1）" in mine
    assert f'<a href="{reply_path}">提出書面答辯</a>' in mine
    assert "第15款：不動產之鑑定" in mine and "待庭長提付審查小組" in mine
    # ... as does the API, to them: only theirs
    own = platform.api(
        "GET", "/api/v1/committee/matters", platform.login("KLDAPPRAISER", DEMO_PASSWORD)
    )
    assert own.status_code == 200, own.text
    assert [m["id"] for m in own.json()["matters"]] == [link.group(1)]
    page = appraiser.get(reply_path)
    assert page.status_code == 200
    assert (
        "第15款：不動產之鑑定" in page.text
        and f"<li>{held[0].isoformat()} 底價 65% 未拍定</li>" in page.text
    )
    empty = appraiser.post(reply_path, {"reply": "  "})
    assert empty.status_code == 400 and "請填寫書面答辯" in empty.text
    appraiser.get(reply_path)
    replied = appraiser.post(reply_path, {"reply": "兩次拍賣均逢市場急凍，鑑定價格並無偏高"})
    assert "書面答辯已送出" in replied.text
    assert "兩次拍賣均逢市場急凍，鑑定價格並無偏高" in replied.text
    # a clerk cannot open it (review-workflow shows it to its appraiser and the staff)
    assert person(platform, "KLDCLERK").get(reply_path).status_code == 403

    matter_id = link.group(1)
    chair.get("/committee/")
    assert "審查小組表決中" in chair.post(f"/committee/matters/{matter_id}/vote-call", {}).text
    chair.post(f"/committee/matters/{matter_id}/votes", {"choice": "for"})
    member = person(platform, "KLDMEMBER1")
    member.get("/committee/")
    member.post(f"/committee/matters/{matter_id}/votes", {"choice": "for"})
    chair.get("/committee/")
    assert "議決結果：通過" in chair.post(f"/committee/matters/{matter_id}/decision", {}).text

    mails = platform.wait_for_mail(APPRAISER_MAIL, count=2)
    [result] = [m for m in mails if m["subject"].endswith("議決結果：不適任")]
    assert "以前不得向本院申請列為鑑定人" in result["body"]
    assert "已議決不適任" in records.get("/committee/disqualification-flags").text
    seen = appraiser.get(reply_path)
    assert "議決結果：不適任" in seen.text and "KLDMEMBER1" not in seen.text
    mine = appraiser.get("/appraisers/my-work").text
    assert f'<a href="{reply_path}">查看</a>' in mine and "議決結果：不適任" in mine
    assert "<form" not in seen.text.split("書面答辯</h2>")[1]  # nothing more to send

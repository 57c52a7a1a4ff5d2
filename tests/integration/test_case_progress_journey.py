"""Issue 11's litigant journey in distributed mode, every service in its own process on the
real Kafka, PostgreSQL and SMTP sink (the all-in-one version, step by step:
tests/allinone/test_case_progress_journeys.py): the court's system approves a follow over
gRPC (mutual TLS); the activation mail at the SMTP sink opens a page with a button; the
litigant sets a password, reads the case list and the case page through the gateway's
/api/v1; a new entry comes in a zh-TW notice with RFC 8058 headers; one click on the
mail's unsubscribe stops the case's mails, not the follow."""

from __future__ import annotations

import time
from datetime import timedelta

import requests

from support import case_journeys as cj
from support import flows
from support.distributed import Distributed
from support.web import WebClient

QUIET = 8  # seconds in which a notice composed in the 2 s batching window would arrive


def ok(reply: requests.Response) -> dict:
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def test_a_litigant_follows_reads_and_unsubscribes_through_the_api(distributed: Distributed):
    platform = distributed.platform()
    court = platform.court_system("TPD")
    case = cj.new_case()
    for n, (days_ago, item) in enumerate([(20, "分案"), (12, "調解"), (5, "函查")]):
        cj.push(
            court, case, f"dj-{case.number}-{n}", item, posted_on=cj.today() - timedelta(days_ago)
        )
    hearing = cj.hearing_in(10)
    cj.push(court, case, f"dj-{case.number}-h", "定期言詞辯論", hearing=hearing)

    # the court approves the follow in its own system, which tells case-sync
    email = flows.unique_email("dj")
    follow = cj.approve(court, case, email)
    assert follow.account_opened and follow.account_username.startswith("P")
    username = follow.account_username

    # the activation mail, at the SMTP sink; a scanner opening its link uses nothing up
    [activation] = cj.wait_for(platform, email, cj.ACTIVATION, timeout=60)
    assert activation["subject"] == (
        f"【司法院】案件進度查詢聲請已核准，請設定密碼啟用：{cj.dotted(case)}"
    )
    assert f"您的帳號：{username}\n" in activation["body"]
    link = cj.set_password_link(activation)
    browser = WebClient(platform.base_url)
    for _ in range(2):
        opened = browser.get(link)
        assert opened.status_code == 200 and ">設定密碼</button>" in opened.text
    done = browser.post(
        "/password/set",
        {
            "token": link.split("token=", 1)[1],
            "new_password": cj.PASSWORD,
            "confirm_password": cj.PASSWORD,
        },
        allow_redirects=False,
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    token = platform.login(username, cj.PASSWORD)

    # the case list: each case with its latest three entries and the next hearing
    [listed] = ok(platform.api("GET", "/api/v1/cases", token))["cases"]
    assert (listed["case_number"], listed["case_number_formal"]) == (
        cj.dotted(case),
        cj.formal(case),
    )
    assert (listed["court_name"], listed["category"]) == ("臺灣臺北地方法院", "民事")
    assert [e["item"] for e in listed["latest_entries"]] == ["定期言詞辯論", "函查", "調解"]
    assert listed["next_hearing"].endswith(" 10:00 第一法庭 言詞辯論")

    # the case page: every entry newest first, ROC dates, nothing new on the first visit
    path = f"/api/v1/cases/{listed['case_id']}"
    first = ok(platform.api("GET", f"{path}?record_visit=true", token))
    assert first["total_entries"] == 4
    assert [e["item"] for e in first["entries"]] == ["定期言詞辯論", "函查", "調解", "分案"]
    assert [e["posted_on"] for e in first["entries"]] == [
        cj.roc_short(cj.today() - timedelta(days)) for days in (0, 5, 12, 20)
    ]
    assert not any(e["is_new"] for e in first["entries"])
    assert first["previous_visit_at"] == "" and first["data_as_of"].startswith("民國 ")

    # a new entry: a zh-TW notice at the sink within seconds, marked new on the page
    started = time.monotonic()
    cj.push(court, case, f"dj-{case.number}-new", "宣示判決")
    [notice] = cj.wait_for(platform, email, cj.NOTICE, timeout=60)
    assert time.monotonic() - started < 30, "the notice came late"
    assert notice["subject"] == f"【司法院】案件進度更新：{cj.dotted(case)}"
    assert "法院：臺灣臺北地方法院\n案類：民事\n" in notice["body"]
    assert f"登載日期：{cj.roc_short(cj.today())}\n登載事項：宣示判決\n" in notice["body"]
    assert f"/cases/{listed['case_id']}" in cj.line_after(notice, "查看案件進度")
    second = ok(platform.api("GET", path, token))
    assert [(e["item"], e["is_new"]) for e in second["entries"][:2]] == [
        ("宣示判決", True),
        ("定期言詞辯論", False),
    ]

    # one click on the mail's unsubscribe (RFC 8058): no session, no CSRF token
    assert cj.header(notice, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    unsubscribe = cj.header(notice, "List-Unsubscribe").strip("<>")
    assert unsubscribe.startswith(platform.base_url + "/notices/unsubscribe?token=")
    reply = requests.post(unsubscribe, data={"List-Unsubscribe": "One-Click"}, timeout=30)
    assert reply.status_code == 200 and "已停止通知本案" in reply.text
    cj.push(court, case, f"dj-{case.number}-after", "送達")
    time.sleep(QUIET)
    assert len(cj.mails(platform, email, cj.NOTICE)) == 1, "mailed after unsubscribing"
    # unsubscribing stops the mails, not the follow: the page shows the entry
    [summary] = ok(platform.api("GET", "/api/v1/cases", token))["cases"]
    assert summary["latest_entries"][0]["item"] == "送達"

"""Issue 11's litigant journey end to end in all-in-one mode, against the real case-sync,
identity and notification, through the gateway's API and pages as the litigant uses them:
the court approves a follow over gRPC; the activation mail's link opens a page with a
button (opening it uses nothing up); the litigant sets a password, reads the case list
(each case's latest three entries) and the case page (both number forms, ROC dates, newest
first, new since the last visit, the next hearing at the top, 資料更新至, the seed's notes);
a new entry comes in a zh-TW mail with RFC 8058 headers; one click unsubscribes; the daily
digest holds a case's mails back; forgot password mails a link, never a password; a second
approval only sends a notice."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import requests

from support import case_journeys as cj
from support import flows
from support.processes import wait_until
from support.web import WebClient

STEADY = 4  # seconds after which a mail composed in the 2 s batching window has been sent


@pytest.fixture(scope="module")
def court(platform: flows.Platform):
    return platform.court_system("TPD")


@pytest.fixture(scope="module")
def litigant(platform: flows.Platform, court) -> dict:
    """A case with history, a follow approved by the court, the account activated from its
    mail: what every step below starts from."""
    case = cj.new_case()
    for n, (days_ago, item) in enumerate(
        [(20, "分案"), (12, "調解"), (5, "函查"), (2, "準備程序")]
    ):
        cj.push(
            court, case, f"j-{case.number}-{n}", item, posted_on=cj.today() - timedelta(days_ago)
        )
    hearing = cj.hearing_in(10)
    cj.push(court, case, f"j-{case.number}-h", "定期言詞辯論", hearing=hearing)
    email = flows.unique_email("journey")
    follow = cj.approve(court, case, email)
    assert follow.account_opened and follow.account_username.startswith("P")
    return {
        "case": case,
        "email": email,
        "username": follow.account_username,
        "hearing": hearing,
    }


def test_the_activation_link_opens_a_page_with_a_button_and_sets_the_password(
    platform: flows.Platform, litigant: dict
):
    [mail] = cj.wait_for(platform, litigant["email"], cj.ACTIVATION)
    case = litigant["case"]
    assert mail["subject"] == (
        f"【司法院】案件進度查詢聲請已核准，請設定密碼啟用：{cj.dotted(case)}"
    )
    assert f"您的帳號：{litigant['username']}\n" in mail["body"]
    assert f"案號：{cj.dotted(case)}（{cj.formal(case)}）\n" in mail["body"]
    link = cj.set_password_link(mail)
    browser = WebClient(platform.base_url)
    # A mail scanner opening the link twice uses nothing up: the page only offers a form.
    for _ in range(2):
        opened = browser.get(link)
        assert opened.status_code == 200
        assert "<h1>設定密碼</h1>" in opened.text and ">設定密碼</button>" in opened.text
    token = link.split("token=", 1)[1]
    done = browser.post(
        "/password/set",
        {"token": token, "new_password": cj.PASSWORD, "confirm_password": cj.PASSWORD},
        allow_redirects=False,
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    # the link worked once and only once
    again = browser.post(
        "/password/set",
        {"token": token, "new_password": cj.PASSWORD, "confirm_password": cj.PASSWORD},
    )
    assert again.status_code in (400, 404, 409, 410) and "連結" in again.text
    assert platform.login(litigant["username"], cj.PASSWORD)


def test_the_case_list_shows_each_case_with_its_latest_three_entries(
    platform: flows.Platform, litigant: dict
):
    token = platform.login(litigant["username"], cj.PASSWORD)
    reply = platform.api("GET", "/api/v1/cases", token)
    assert reply.status_code == 200, reply.text
    [case] = reply.json()["cases"]
    assert (case["case_number"], case["case_number_formal"]) == (
        cj.dotted(litigant["case"]),
        cj.formal(litigant["case"]),
    )
    assert (case["court_name"], case["category"]) == ("臺灣臺北地方法院", "民事")
    assert [e["item"] for e in case["latest_entries"]] == ["定期言詞辯論", "準備程序", "函查"]
    assert case["next_hearing"].endswith(" 10:00 第一法庭 言詞辯論")

    browser = WebClient(platform.base_url)
    assert browser.login(litigant["username"], cj.PASSWORD).status_code == 302
    page = browser.get("/cases/")
    assert page.status_code == 200
    html = page.text
    assert f"臺灣臺北地方法院 民事 {cj.dotted(litigant['case'])}" in html
    assert cj.formal(litigant["case"]) in html
    assert html.count('<li class="entry') == 3  # the latest three, as the old system showed
    assert "登載事項：調解" not in html and "登載事項：函查" in html
    assert "下次庭期：" in html


def test_the_case_page_shows_everything_newest_first_and_marks_what_is_new(
    platform: flows.Platform, litigant: dict, court
):
    browser = WebClient(platform.base_url)
    browser.login(litigant["username"], cj.PASSWORD)
    case_id = platform.api(
        "GET", "/api/v1/cases", platform.login(litigant["username"], cj.PASSWORD)
    ).json()["cases"][0]["case_id"]

    first = browser.get(f"/cases/{case_id}").text  # the first visit: nothing marked new
    assert 'class="entry is-new"' not in first
    assert first.index("下次庭期") < first.index("進行事項")  # the hearing at the top
    assert "法院名稱</dt><dd>臺灣臺北地方法院" in first and "案類</dt><dd>民事" in first
    assert cj.dotted(litigant["case"]) in first and cj.formal(litigant["case"]) in first
    postings = [cj.today() - timedelta(days=d) for d in (0, 2, 5, 12, 20)]
    places = [first.index(f"登載日期：{cj.roc_short(day)}") for day in postings]
    assert places == sorted(places)  # newest first, in ROC form
    assert "進行事項（共 5 筆）" in first
    assert "資料更新至 民國 " in first
    assert "僅供參考" in first and "仍以法院傳票或通知書等為準" in first
    assert "逾二個月，即不再提供查詢" in first

    cj.push(court, litigant["case"], f"j-{litigant['case'].number}-new", "裁定")
    listed = browser.get("/cases/").text  # the list counts and marks it too
    assert "1 筆新進度" in listed and listed.count('class="entry is-new"') == 1
    second = browser.get(f"/cases/{case_id}").text
    assert second.count('class="entry is-new"') == 1
    new_entry = second.index('class="entry is-new"')
    assert second.index("登載事項：裁定", new_entry) < second.index("登載事項：定期言詞辯論")
    assert "標示「新」的是您上次查看（民國 " in second and "之後的 1 筆進行事項。" in second
    third = browser.get(f"/cases/{case_id}").text  # seen now: no longer new
    assert 'class="entry is-new"' not in third
    assert "標示「新」" not in third and "之後沒有新的進行事項。" in third


def test_a_new_entry_mails_a_zh_tw_notice_with_one_click_unsubscribe(
    platform: flows.Platform, litigant: dict, court
):
    email, case = litigant["email"], litigant["case"]
    # the entry the case-page test pushed is mailed first (alone: 2 s batching window)
    wait_until(
        lambda: any("登載事項：裁定" in m["body"] for m in cj.mails(platform, email, cj.NOTICE)),
        timeout=30,
        what="the earlier entry's notice",
    )
    before = len(cj.mails(platform, email, cj.NOTICE))
    started = time.monotonic()
    cj.push(court, case, f"j-{case.number}-mail", "宣示判決")
    notices = cj.wait_for(platform, email, cj.NOTICE, count=before + 1)
    assert time.monotonic() - started < 10
    [mail] = [m for m in notices if "宣示判決" in m["body"]]
    assert mail["subject"] == f"【司法院】案件進度更新：{cj.dotted(case)}"
    body = mail["body"]
    assert "法院：臺灣臺北地方法院\n案類：民事\n" in body
    assert f"登載日期：{cj.roc_short(cj.today())}\n登載事項：宣示判決\n" in body
    assert cj.header(mail, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    unsubscribe = cj.header(mail, "List-Unsubscribe").strip("<>")
    assert "/notices/unsubscribe?token=" in unsubscribe
    assert "/cases/" in cj.line_after(mail, "查看案件進度")

    # The mail client's one-click POST (RFC 8058): no session, no CSRF token.
    reply = requests.post(
        platform.base_url + cj.relative(unsubscribe),
        data={"List-Unsubscribe": "One-Click"},
        timeout=30,
    )
    assert reply.status_code == 200 and "已停止通知本案" in reply.text
    count = len(cj.mails(platform, email, cj.NOTICE))
    cj.push(court, case, f"j-{case.number}-after", "送達")
    time.sleep(STEADY)
    assert len(cj.mails(platform, email, cj.NOTICE)) == count  # no more mail for the case
    # the page still shows the entry: unsubscribing stops mail, not the follow
    token = platform.login(litigant["username"], cj.PASSWORD)
    [summary] = platform.api("GET", "/api/v1/cases", token).json()["cases"]
    assert summary["latest_entries"][0]["item"] == "送達"


def test_a_second_approval_only_notifies_and_the_daily_digest_holds_mail_back(
    platform: flows.Platform, litigant: dict, court
):
    email = litigant["email"]
    case = cj.new_case(category=cj.cases_pb2.CASE_CATEGORY_FAMILY, word="家訴")
    cj.push(court, case, f"d-{case.number}-1", "分案")
    follow = cj.approve(court, case, email)
    assert not follow.account_opened and follow.account_username == litigant["username"]
    [notice] = cj.wait_for(platform, email, cj.APPROVED_ONLY + cj.dotted(case))
    assert f"請以您原有的帳號（{litigant['username']}）" in notice["body"]
    assert "/password/set" not in notice["body"]
    assert len(cj.mails(platform, email, cj.ACTIVATION)) == 1

    cj.push(court, case, f"d-{case.number}-2", "調解")
    [first] = cj.wait_for(platform, email, cj.NOTICE + cj.dotted(case))
    settings = cj.relative(cj.line_after(first, "改為每日摘要或停止通知本案"))
    browser = WebClient(platform.base_url)
    assert "有新進度即通知" in browser.get(settings).text
    saved = browser.post(settings, {"mode": "daily_digest"})
    assert saved.status_code == 200 and "已儲存：每日摘要。" in saved.text
    cj.push(court, case, f"d-{case.number}-3", "定期調解")
    time.sleep(STEADY)
    assert len(cj.mails(platform, email, cj.NOTICE + cj.dotted(case))) == 1

    token = platform.login(litigant["username"], cj.PASSWORD)
    listed = platform.api("GET", "/api/v1/cases", token).json()["cases"]
    assert {c["case_number"] for c in listed} == {cj.dotted(litigant["case"]), cj.dotted(case)}


def test_forgot_password_mails_a_link_never_a_password(platform: flows.Platform, litigant: dict):
    email = litigant["email"]
    browser = WebClient(platform.base_url)
    browser.get("/password/forgot")
    sent = browser.post(
        "/password/forgot", {"account_id": litigant["username"].lower(), "email": email}
    )
    assert sent.status_code == 200
    [mail] = cj.wait_for(platform, email, cj.RESET)
    assert cj.PASSWORD not in mail["body"]
    assert "本系統不會以電子郵件寄送密碼" in mail["body"]
    link = cj.set_password_link(mail)
    new_password = "Litigant-Reset-2026!"
    browser.get(link)
    done = browser.post(
        "/password/set",
        {
            "token": link.split("token=", 1)[1],
            "new_password": new_password,
            "confirm_password": new_password,
        },
        allow_redirects=False,
    )
    assert done.status_code == 302
    refused = platform.api(
        "POST",
        "/api/v1/sessions",
        json={"account_id": litigant["username"], "password": cj.PASSWORD},
    )
    assert refused.status_code == 401
    assert platform.login(litigant["username"], new_password)

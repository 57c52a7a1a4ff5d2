"""Journey 4 (notices) through the running all-in-one, checked in its local mailbox: a
court system approves a follow and pushes entries; the follower gets ONE mail for the
entries pushed together, within seconds, never twice; its RFC 8058 one-click unsubscribe
URL, POSTed without any session as a mail client does, stops the case's mails; the court
system asks notification what became of each entry's mail and of its case's mails; the
cut-off clock's start and stop are mailed (the stop once)."""

from __future__ import annotations

import calendar
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import grpc
import requests

from jes.case_sync.v1 import case_sync_pb2, cases_pb2
from jes.notification.v1 import notification_pb2 as npb
from jes.notification.v1 import notification_pb2_grpc as npb_grpc
from jes_zhtw import format_roc_date
from support import callers, flows
from support.processes import wait_until

TODAY = "2026-11-20"


def header(mail: dict[str, Any], name: str) -> str:
    values = [value for key, value in mail["headers"] if key.lower() == name.lower()]
    assert len(values) == 1, (name, mail["headers"])
    return str(values[0])


def progress_mails(platform: flows.Platform, to: str) -> list[dict[str, Any]]:
    """The notices of new entries (not the follow's activation mail)."""
    subjects = ("【司法院】案件進度更新：", "【司法院】案件進度每日摘要：")
    return [m for m in platform.mails_to(to) if m["subject"].startswith(subjects)]


def push(client, case: cases_pb2.CaseKey, entry_id: str, item: str) -> None:
    entry = cases_pb2.ProgressEntry(source_entry_id=entry_id, posted_on=TODAY, item=item)
    client.call("PushProgress", case_sync_pb2.PushProgressRequest(case=case, entry=entry))


def test_entries_pushed_together_come_in_one_mail_with_one_click_unsubscribe(
    platform: flows.Platform,
):
    court = platform.court_system("TPD")
    follower = flows.unique_email("party")
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
    started = time.monotonic()
    for n, item in enumerate(("準備程序", "函查", "定期言詞辯論")):
        push(court, case, f"u-{number}-{n}", item)
    push(court, case, f"u-{number}-0", "準備程序")  # re-sent: no second mail for it
    wait_until(lambda: bool(progress_mails(platform, follower)), timeout=30, what="the mail")
    seconds = time.monotonic() - started
    time.sleep(3)  # a second mail, if any, would have been composed by now
    [mail] = progress_mails(platform, follower)
    assert seconds < 5, f"the mail took {seconds:.1f} s"
    # The first approval for this address opened an account: its activation mail, once.
    activation = [m for m in platform.mails_to(follower) if "請設定密碼啟用" in m["subject"]]
    assert [m["subject"] for m in activation] == [
        f"【司法院】案件進度查詢聲請已核准，請設定密碼啟用：115.訴.{number:06d}"
    ]
    assert mail["subject"] == f"【司法院】案件進度更新：115.訴.{number:06d}（3 筆）"
    body = mail["body"]
    assert "法院：臺灣臺北地方法院\n案類：民事\n" in body
    assert f"案號：115.訴.{number:06d}（115年度訴字第{number}號）\n" in body
    assert body.count("登載日期：115/11/20\n") == 3  # ROC dates
    assert header(mail, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    unsubscribe_url = header(mail, "List-Unsubscribe").strip("<>")
    assert "/notices/unsubscribe?token=" in unsubscribe_url

    # A mail client's one-click POST: no cookie, no CSRF token, straight to the URL.
    parts = urlsplit(unsubscribe_url)
    reply = requests.post(
        f"{platform.base_url}{parts.path}?{parts.query}",
        data={"List-Unsubscribe": "One-Click"},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    assert "已停止通知本案" in reply.text

    push(court, case, f"u-{number}-9", "宣判")
    notification = callers.client(
        platform.pki,
        platform.addrs["notification"],
        npb_grpc.NotificationServiceStub,
        court_system_of="TPD",
    )
    request = npb.ListEntryDeliveriesRequest(court_code="TPD", source_entry_id=f"u-{number}-9")

    def told() -> list[Any]:
        return list(notification.stub.ListEntryDeliveries(request).deliveries)

    wait_until(lambda: bool(told()), timeout=30, what="the entry's notice")
    [delivery] = told()
    assert (delivery.recipient, delivery.status) == (
        follower,
        npb.ENTRY_DELIVERY_STATUS_NOT_SENT,
    )
    first = notification.stub.ListEntryDeliveries(
        npb.ListEntryDeliveriesRequest(court_code="TPD", source_entry_id=f"u-{number}-0")
    )
    assert [d.status for d in first.deliveries] == [npb.ENTRY_DELIVERY_STATUS_SENT]
    time.sleep(3)
    assert len(progress_mails(platform, follower)) == 1


def test_the_settings_page_from_the_mail_offers_the_daily_digest(platform: flows.Platform):
    court = platform.court_system("TPD")
    follower = flows.unique_email("lawyer")
    number = int(uuid.uuid4().int % 900000) + 1
    case = cases_pb2.CaseKey(
        court_code="TPD",
        category=cases_pb2.CASE_CATEGORY_FAMILY,
        year=115,
        word="家訴",
        number=number,
    )
    court.call(
        "ApproveFollow",
        case_sync_pb2.ApproveFollowRequest(
            case=case, email=follower, role=cases_pb2.FOLLOWER_ROLE_ATTORNEY
        ),
    )
    push(court, case, f"d-{number}-1", "調解")
    wait_until(lambda: bool(progress_mails(platform, follower)), timeout=30, what="the mail")
    [mail] = progress_mails(platform, follower)
    settings_url = next(
        line.split("：", 1)[1]
        for line in mail["body"].splitlines()
        if line.startswith("改為每日摘要或停止通知本案：")
    )
    token = settings_url.split("token=", 1)[1]
    reply = platform.api("GET", f"/api/v1/case-mail-settings?token={token}")
    assert reply.status_code == 200, reply.text
    assert reply.json()["mode"] == "immediate" and reply.json()["category"] == "家事"
    reply = platform.api(
        "PUT", "/api/v1/case-mail-settings", json={"token": token, "mode": "daily_digest"}
    )
    assert (reply.status_code, reply.json()["mode_label"]) == (200, "每日摘要")
    push(court, case, f"d-{number}-2", "定期調解")
    time.sleep(5)  # immediate mode would have mailed it by now
    assert len(progress_mails(platform, follower)) == 1
    bad = platform.api("PUT", "/api/v1/case-mail-settings", json={"token": token, "mode": "weekly"})
    assert bad.status_code == 400 and "mode" in bad.json()["fields"]
    unknown = platform.api("GET", "/api/v1/case-mail-settings?token=not-a-real-token")
    assert unknown.status_code == 404 and "連結" in unknown.json()["detail"]


def test_a_court_system_lists_its_cases_mails_per_follower(platform: flows.Platform):
    from support import case_journeys as cj

    court = platform.court_system("TPD")
    follower = flows.unique_email("case-mails")
    case = cj.new_case()
    cj.approve(court, case, follower)
    cj.push(court, case, f"cm-{case.number}-1", "分案")
    wait_until(lambda: bool(progress_mails(platform, follower)), timeout=30, what="the mail")
    [mail] = progress_mails(platform, follower)

    def notification(court_code: str) -> Any:
        return callers.client(
            platform.pki,
            platform.addrs["notification"],
            npb_grpc.NotificationServiceStub,
            court_system_of=court_code,
        ).stub

    request = npb.ListCaseDeliveriesRequest(case=case)

    def sent() -> list[Any]:
        [row] = notification("TPD").ListCaseDeliveries(request).followers
        return [m for m in row.mails if m.status == npb.ENTRY_DELIVERY_STATUS_SENT]

    wait_until(lambda: bool(sent()), timeout=30, what="the mail recorded sent")
    [listed] = sent()
    assert list(listed.source_entry_ids) == [f"cm-{case.number}-1"]
    assert listed.message_id == header(mail, "Message-ID")
    try:
        notification("KLD").ListCaseDeliveries(request)
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    else:
        raise AssertionError("another court's system read the case's mails")


def test_followers_are_told_when_the_clock_starts_and_when_it_stops(platform: flows.Platform):
    from support import case_journeys as cj

    court = platform.court_system("TPD")
    follower = flows.unique_email("clock")
    case = cj.new_case()
    cj.push(court, case, f"ck-{case.number}-1", "分案")
    cj.approve(court, case, follower)
    for status, day in (
        (cases_pb2.CASE_STATUS_APPEALED, cj.today() - timedelta(days=3)),
        (cases_pb2.CASE_STATUS_PENDING, cj.today()),  # back from appeal: queryable for good
        (cases_pb2.CASE_STATUS_PENDING, cj.today()),  # re-sent: told once
    ):
        change = case_sync_pb2.CaseChange(
            case=case,
            status=case_sync_pb2.StatusChange(status=status, effective_on=day.isoformat()),
        )
        change.changed_at.FromDatetime(datetime.now(UTC))
        court.call("ApplyCaseChange", change)
    [started] = cj.wait_for(platform, follower, "後停止查詢：")
    [stopped] = cj.wait_for(platform, follower, "【司法院】案件查詢期限已取消：")
    assert stopped["subject"].endswith(cj.dotted(case))
    last_day = format_roc_date(two_months_after(cj.today() - timedelta(days=3)))
    assert f"先前通知本案可查詢至 {last_day} 為止" in stopped["body"]
    assert "狀態變更為「審理中」" in stopped["body"]
    assert "本案可查詢至" in started["body"]
    time.sleep(3)
    assert len(cj.mails(platform, follower, "查詢期限已取消")) == 1


def two_months_after(day: date) -> date:
    """The last day a case is shown: the corresponding day two months on, or that month's
    last day (the seed's two months, as the Civil Code counts them)."""
    month_index = day.month + 1
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

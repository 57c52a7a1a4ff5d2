"""A case-progress mail's links (no login, the token is the key) against a fake
notification: RFC 8058 one-click unsubscribe, and the page to choose the daily digest.
Opening a link never changes anything (mail scanners open links): only a POST does."""

from __future__ import annotations

import grpc
import pytest

from jes.notification.v1 import notification_pb2 as pb

TOKEN = "q1W-e2R_t3Y4u5I6o7P8a9S0d1F2g3H4j5K6l7Z8x9C"


def settings(mode: int = pb.CASE_MAIL_MODE_IMMEDIATE) -> pb.CaseMailSettings:
    return pb.CaseMailSettings(
        case_id="case-1",
        court_code="CHD",
        category="刑事",
        case_number="100.訴.992032",
        recipient="w****@example.com",
        mode=mode,  # type: ignore[arg-type]
    )


@pytest.fixture
def notification(services):
    fake = services.notification
    fake.replies["GetCaseMailSettings"] = settings()
    fake.replies["SetCaseMailMode"] = lambda request: settings(request.mode)
    return fake


def test_opening_the_unsubscribe_link_only_shows_a_button(client, notification):
    reply = client.get(f"/notices/unsubscribe?token={TOKEN}")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert "臺灣彰化地方法院" in page and "刑事" in page
    assert "100.訴.992032" in page and "100年度訴字第992032號" in page
    assert "w****@example.com" in page
    assert 'method="post"' in page and "停止通知本案" in page
    assert notification.requests("SetCaseMailMode") == []
    assert notification.tokens("GetCaseMailSettings") == [None]  # as the gateway, no login


def test_one_click_unsubscribe_works_without_a_session_or_csrf_token(app, notification):
    mail_client = app.test_client()  # a mail client's POST: no cookie, no CSRF token
    reply = mail_client.post(
        f"/notices/unsubscribe?token={TOKEN}", data={"List-Unsubscribe": "One-Click"}
    )
    assert reply.status_code == 200
    assert "已停止通知" in reply.get_data(as_text=True)
    [asked] = notification.requests("SetCaseMailMode")
    assert (asked.token, asked.mode) == (TOKEN, pb.CASE_MAIL_MODE_UNSUBSCRIBED)
    assert notification.tokens("SetCaseMailMode") == [None]


def test_the_settings_page_offers_the_three_modes_with_the_current_one_chosen(client, notification):
    page = client.get(f"/notices/settings?token={TOKEN}").get_data(as_text=True)
    for label in ("有新進度即通知", "每日摘要", "不再通知"):
        assert label in page
    assert 'value="immediate" checked' in page
    assert notification.requests("SetCaseMailMode") == []


def test_choosing_the_daily_digest(client, notification, form_post):
    reply = form_post(client, f"/notices/settings?token={TOKEN}", {"mode": "daily_digest"})
    assert reply.status_code == 200
    page = reply.get_data(as_text=True)
    assert "已儲存" in page and 'value="daily_digest" checked' in page
    [asked] = notification.requests("SetCaseMailMode")
    assert (asked.token, asked.mode) == (TOKEN, pb.CASE_MAIL_MODE_DAILY_DIGEST)


def test_the_settings_form_needs_its_csrf_token(client, notification):
    reply = client.post(f"/notices/settings?token={TOKEN}", data={"mode": "daily_digest"})
    assert reply.status_code == 403
    assert notification.requests("SetCaseMailMode") == []


@pytest.mark.parametrize("mode", ["", "weekly", "CASE_MAIL_MODE_DAILY_DIGEST"])
def test_an_unknown_mode_is_refused_in_zh_tw_and_changes_nothing(
    client, notification, form_post, mode
):
    reply = form_post(client, f"/notices/settings?token={TOKEN}", {"mode": mode})
    assert reply.status_code == 400
    assert "請選擇通知方式" in reply.get_data(as_text=True)
    assert notification.requests("SetCaseMailMode") == []


def test_a_link_without_a_token_is_refused_without_asking(client, notification):
    for path in ("/notices/unsubscribe", "/notices/settings?token="):
        reply = client.get(path)
        assert reply.status_code == 400
        assert "連結不完整" in reply.get_data(as_text=True)
    assert notification.calls == []


def test_a_token_notification_does_not_know_is_a_404_in_zh_tw(client, notification, refusal):
    notification.replies["GetCaseMailSettings"] = refusal(
        grpc.StatusCode.NOT_FOUND, "連結無效或已失效，請使用最近一封通知信中的連結"
    )
    reply = client.get(f"/notices/unsubscribe?token={TOKEN}")
    assert reply.status_code == 404
    assert "連結無效或已失效" in reply.get_data(as_text=True)


# -- the API twin ------------------------------------------------------------------------------


def test_api_reads_and_changes_the_settings(client, notification):
    reply = client.get(f"/api/v1/case-mail-settings?token={TOKEN}")
    assert reply.status_code == 200
    assert reply.json == {
        "case_id": "case-1",
        "court_code": "CHD",
        "court_name": "臺灣彰化地方法院",
        "category": "刑事",
        "case_number": "100.訴.992032",
        "case_number_formal": "100年度訴字第992032號",
        "recipient": "w****@example.com",
        "mode": "immediate",
        "mode_label": "有新進度即通知",
    }
    reply = client.put("/api/v1/case-mail-settings", json={"token": TOKEN, "mode": "unsubscribed"})
    assert reply.status_code == 200
    assert (reply.json["mode"], reply.json["mode_label"]) == ("unsubscribed", "不再通知")
    [asked] = notification.requests("SetCaseMailMode")
    assert asked.mode == pb.CASE_MAIL_MODE_UNSUBSCRIBED


def test_api_refuses_an_unknown_mode_with_problem_json(client, notification):
    reply = client.put("/api/v1/case-mail-settings", json={"token": TOKEN, "mode": "weekly"})
    assert reply.status_code == 400
    assert reply.content_type == "application/problem+json"
    assert "mode" in reply.json["fields"]
    assert notification.requests("SetCaseMailMode") == []

"""Web sessions kept by identity (issue 10, journey 3): every page refreshes the session
(activity), an ended session sends the person to log in and back, logout ends the
session on the server, the list of sessions and 登出所有裝置."""

from __future__ import annotations

import grpc

from jes.identity.v1 import identity_pb2, sessions_pb2
from jes_gateway.presentation.sessions import browser_label

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def my_account() -> identity_pb2.Account:
    return identity_pb2.Account(
        account_id="TPD0001", display_name="大華估價", email="a@example.com", roles=["firm"]
    )


def test_every_page_is_activity_but_asking_the_time_left_is_not(firm, services):
    services.identity.replies["GetMyAccount"] = my_account()
    assert firm.get("/account").status_code == 200
    assert services.identity.requests("RefreshSession")[-1].touch is True
    status = firm.get("/session/status").get_json()
    assert status["active"] is True and 29 * 60 < status["seconds_left"] <= 30 * 60
    assert services.identity.requests("RefreshSession")[-1].touch is False
    extended = firm.post("/session/extend", headers={"X-CSRF-Token": "test-csrf-token"})
    assert extended.get_json()["active"] is True
    assert services.identity.requests("RefreshSession")[-1].touch is True


def test_the_page_carries_the_time_left_for_its_warning(firm, services):
    services.identity.replies["GetMyAccount"] = my_account()
    page = firm.get("/account").get_data(as_text=True)
    assert 'data-session-seconds-left="' in page
    assert 'id="session-warning"' in page and "繼續使用" in page
    assert "session.js" in page


def test_an_ended_session_sends_the_person_to_log_in_and_back(firm, services, refusal):
    services.identity.replies["RefreshSession"] = refusal(
        grpc.StatusCode.UNAUTHENTICATED, "閒置過久，已自動登出，請重新登入"
    )
    reply = firm.get("/account?tab=1")
    assert reply.status_code == 302
    assert reply.headers["Location"] == "/login?next=/account?tab%3D1"
    login_page = firm.get("/login?next=/account").get_data(as_text=True)
    assert "閒置過久，已自動登出，請重新登入" in login_page


def test_a_form_sent_after_the_session_ended_returns_to_its_page(
    firm, services, form_post, refusal
):
    """The data typed is kept by the page script (session.js) and filled in again there."""
    services.identity.replies["RefreshSession"] = refusal(
        grpc.StatusCode.UNAUTHENTICATED, "您已登出，請重新登入"
    )
    reply = form_post(
        firm,
        "/account",
        {"display_name": "大華"},
        headers={"Referer": "http://localhost/account"},
    )
    assert reply.status_code == 302
    assert reply.headers["Location"] == "/login?next=/account"
    assert services.identity.requests("UpdateMyAccount") == []


def test_logout_ends_the_session_on_the_server_and_an_old_cookie_is_dead(firm, services):
    services.identity.replies["GetMyAccount"] = my_account()
    with firm.session_transaction() as session:
        copied = dict(session)  # what someone who copied the cookie holds
    reply = firm.post("/logout", data={"csrf_token": "test-csrf-token"})
    assert reply.status_code == 302
    [ended] = services.identity.requests("EndSession")
    assert ended.session_token == "session-of-TPD0001.secret"
    with firm.session_transaction() as session:
        session.update(copied)
    assert firm.get("/account").status_code == 302  # to the login page


def test_login_starts_the_session_with_the_browser_named(client, services, form_post):
    reply_message = identity_pb2.LoginResponse(
        access_token="token-of-TPD0001",
        expires_in_seconds=300,
        session_token="s-1.secret",
        session_id="s-1",
        account=my_account(),
    )
    services.identity.replies["Login"] = reply_message
    services.identity.replies["RefreshSession"] = sessions_pb2.SessionTokens(
        access_token="token-of-TPD0001", account_id="TPD0001", roles=["firm"]
    )
    reply = form_post(
        client,
        "/login",
        {"account_id": "tpd0001", "password": "x"},
        headers={"User-Agent": CHROME},
    )
    assert reply.status_code == 302
    [login] = services.identity.requests("Login")
    assert login.user_agent == CHROME
    with client.session_transaction() as session:
        assert session["session_token"] == "s-1.secret"
        assert "token" not in session  # no access token in the cookie


def test_the_sessions_page_lists_and_signs_out_everywhere(firm, services, form_post):
    here = sessions_pb2.SessionInfo(
        id="s-1", client_address="203.0.113.7", user_agent=CHROME, current=True
    )
    there = sessions_pb2.SessionInfo(id="s-2", client_address="198.51.100.2", user_agent=IPHONE)
    here.created_at.FromSeconds(1_764_500_000)
    there.created_at.FromSeconds(1_764_400_000)
    services.identity.replies["ListMySessions"] = sessions_pb2.ListMySessionsResponse(
        sessions=[here, there]
    )
    page = firm.get("/account/sessions").get_data(as_text=True)
    assert "Chrome 131（Windows）" in page and "（目前使用中）" in page
    assert "Safari 17（iOS）" in page and "198.51.100.2" in page
    assert page.count("登出此裝置") == 1  # not for the session in use
    services.identity.replies["EndMySessions"] = sessions_pb2.EndMySessionsResponse(ended=1)
    one = form_post(firm, "/account/sessions/s-2/end", {})
    assert one.status_code == 302
    assert services.identity.requests("EndMySessions")[-1].session_id == "s-2"
    services.identity.replies["EndMySessions"] = sessions_pb2.EndMySessionsResponse(ended=2)
    everywhere = form_post(firm, "/account/sessions/end-all", {})
    assert everywhere.headers["Location"] == "/login"
    assert services.identity.requests("EndMySessions")[-1].all is True
    with firm.session_transaction() as session:
        assert "session_token" not in session


def test_browser_labels():
    assert browser_label(CHROME) == "Chrome 131（Windows）"
    assert browser_label(IPHONE) == "Safari 17（iOS）"
    edge = CHROME + " Edg/131.0.2903.70"
    assert browser_label(edge) == "Edge 131（Windows）"
    assert browser_label("curl/8.5.0") == "curl/8.5.0"
    assert browser_label("") == "不明的瀏覽器或程式"

"""Distributed mode (issue 10, journeys 3 and 10): sessions kept by identity through the
gateway (refresh, sign out everywhere), and an e-mail change whose 6-digit code is in
the mail (the SMTP sink) and nowhere else: not on identity's Kafka topic, not in
identity's or notification's PostgreSQL database, not in a service's log."""

from __future__ import annotations

import re

from integration.test_one_time_links import assert_only_in_the_mail
from sqlalchemy import create_engine, text

from support import flows, journey
from support.distributed import FIRM, Distributed, pg_url, rows
from support.journey import ok
from support.web import WebClient

CODE = re.compile(r"^    (\d{6})$", re.MULTILINE)


def test_sessions_refresh_and_end_everywhere(distributed: Distributed):
    platform = distributed.platform()
    account_id, password, _ = journey.firm_is_activated(platform, ("ITCLERK", FIRM[1]))
    started = ok(
        platform.api(
            "POST", "/api/v1/sessions", json={"account_id": account_id, "password": password}
        ),
        201,
    )
    refreshed = ok(
        platform.api(
            "POST", "/api/v1/sessions/refresh", json={"refresh_token": started["refresh_token"]}
        )
    )
    listed = ok(platform.api("GET", "/api/v1/sessions", refreshed["access_token"]))
    assert [s["id"] for s in listed["sessions"]] == [started["session_id"]]
    ended = ok(platform.api("DELETE", "/api/v1/sessions", refreshed["access_token"]))
    assert ended["ended"] == 1
    gone = platform.api(
        "POST", "/api/v1/sessions/refresh", json={"refresh_token": started["refresh_token"]}
    )
    assert gone.status_code == 401


def test_an_email_change_code_is_only_in_the_mail(distributed: Distributed):
    platform = distributed.platform()
    account_id, password, old_email = journey.firm_is_activated(platform, ("ITCLERK", FIRM[1]))
    token = platform.login(account_id, password)
    new_email = flows.unique_email("it-new")
    ok(platform.api("POST", "/api/v1/account/email-change", token, json={"email": new_email}), 202)
    [mail] = [m for m in platform.wait_for_mail(new_email, timeout=90) if "認證碼" in m["subject"]]
    code = CODE.search(mail["body"]).group(1)  # type: ignore[union-attr]
    assert_only_in_the_mail(distributed, code)
    changed = ok(
        platform.api("POST", "/api/v1/account/email-change/confirm", token, json={"code": code})
    )
    assert (changed["email"], changed["pending_email"]) == (new_email, "")
    told = [
        m
        for m in platform.wait_for_mail(old_email, count=3, timeout=90)
        if "已變更" in m["subject"]
    ]
    assert told and account_id in told[0]["body"]


def test_an_idle_session_ends_and_the_login_returns_to_the_page(distributed: Distributed):
    """Journey 3's expiry and return: identity (PostgreSQL) decides the session is idle;
    the gateway sends the browser to log in with why, and back to the page after it."""
    platform = distributed.platform()
    account_id, password, _ = journey.firm_is_activated(platform, ("ITCLERK", FIRM[1]))
    web = WebClient(platform.base_url)
    assert web.login(account_id, password).status_code == 302
    assert web.get("/account").status_code == 200
    # 31 minutes without activity (the idle timeout is 30), as the clock would make it
    engine = create_engine(pg_url(distributed.infra, "identity"))
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE login_sessions SET last_activity_at = last_activity_at - interval"
                " '31 minutes' WHERE account_id = (SELECT id FROM accounts WHERE account_id = :a)"
            ),
            {"a": account_id},
        )
    engine.dispose()
    left = web.get("/account", allow_redirects=False)
    assert left.status_code == 302 and left.headers["Location"].endswith("/login?next=/account")
    login_page = web.get(left.headers["Location"]).text
    assert "閒置過久，已自動登出，請重新登入" in login_page
    back = web.post(
        "/login?next=/account",
        {"account_id": account_id, "password": password},
        allow_redirects=False,
    )
    assert back.status_code == 302 and back.headers["Location"].endswith("/account")
    assert "個人帳號維護" in web.get("/account").text
    sessions = rows(
        distributed.infra,
        "identity",
        "SELECT s.ended_at FROM login_sessions s JOIN accounts a ON a.id = s.account_id"
        " WHERE a.account_id = :a ORDER BY s.created_at",
        a=account_id,
    )
    assert len(sessions) == 2 and sessions[1].ended_at is None  # a new session, not the old

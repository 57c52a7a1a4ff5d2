"""Distributed mode (issue 10, journeys 3 and 10): sessions kept by identity through the
gateway (refresh, sign out everywhere), and an e-mail change whose 6-digit code is in
the mail (the SMTP sink) and nowhere else: not on identity's Kafka topic, not in
identity's or notification's PostgreSQL database, not in a service's log."""

from __future__ import annotations

import re

from integration.test_one_time_links import assert_only_in_the_mail

from support import flows, journey
from support.distributed import FIRM, Distributed
from support.journey import ok

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

"""Brute force through the REST API in all-in-one mode (issue 10, journey 2): a program
that logged in before sends its device token and keeps getting in while others guess
the password from the same address; the captcha and the login records on the API."""

from __future__ import annotations

from support import flows
from support.allinone import DEMO_PASSWORD


def test_through_the_api_a_device_token_keeps_working_while_others_guess(
    platform: flows.Platform,
):
    account = {"account_id": "KSDCLERK", "password": DEMO_PASSWORD}
    known = platform.api("POST", "/api/v1/sessions", json=account)
    assert known.status_code == 201
    device_token = known.json()["device_token"]
    assert device_token
    wrong = {"account_id": "KSDCLERK", "password": "Wrong1234!"}
    answers = [platform.api("POST", "/api/v1/sessions", json=wrong) for _ in range(30)]
    assert {a.status_code for a in answers} <= {400, 401, 429}
    assert any(a.json().get("fields", {}).get("captcha") for a in answers if a.status_code == 400)
    again = platform.api("POST", "/api/v1/sessions", json={**account, "device_token": device_token})
    assert again.status_code == 201, again.text
    assert again.json()["device_token"] == ""
    history = platform.api("GET", "/api/v1/account/logins", again.json()["access_token"]).json()
    assert history["previous_success"]["success"] is True
    reached = [a for a in answers if a.json()["error"] != "嘗試次數過多，請稍後再試"]
    assert len(reached) >= 10  # the rest spent the gateway's per-client budget
    assert history["failure_count"] == len(reached)
    assert len(history["recent_failures"]) == min(20, len(reached))
    captcha = platform.api("POST", "/api/v1/captchas")
    assert captcha.status_code == 201 and captcha.json()["image"].startswith("data:image/png")

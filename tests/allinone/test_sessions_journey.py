"""Journey 3 (issue 10) in all-in-one mode: sessions kept by identity. Logout ends the
session on the server (a copied cookie no longer works); a password change ends every
other session; the account page lists sessions and signs out everywhere; the same
through /api/v1 (refresh, list, delete one, delete all). Idle and absolute timeouts are
timed in identity's own tests (services/identity/tests/test_sessions.py)."""

from __future__ import annotations

import requests

from support import flows, journey
from support.allinone import DEMO_PASSWORD
from support.web import WebClient

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def fresh_firm(platform: flows.Platform) -> tuple[str, str]:
    account_id, password, _ = journey.firm_is_activated(platform, ("TPDCLERK", DEMO_PASSWORD))
    return account_id, password


def browser(platform: flows.Platform, account_id: str, password: str) -> WebClient:
    web = WebClient(platform.base_url)
    web.http.headers["User-Agent"] = FIREFOX
    assert web.login(account_id, password).status_code == 302
    return web


def signed_out(web: WebClient) -> bool:
    reply = web.get("/account", allow_redirects=False)
    return reply.status_code == 302 and "/login?next=/account" in reply.headers["Location"]


def test_logout_ends_the_session_and_a_copied_cookie_is_dead(platform: flows.Platform):
    account_id, password = fresh_firm(platform)
    web = browser(platform, account_id, password)
    assert web.get("/account").status_code == 200
    copy = WebClient(platform.base_url)
    copy.http.cookies.update(web.http.cookies)
    assert copy.get("/account").status_code == 200
    assert web.post("/logout", {}, allow_redirects=False).status_code == 302
    assert signed_out(copy)  # the old cookie: the server ended its session


def test_a_password_change_ends_the_other_sessions(platform: flows.Platform):
    account_id, password = fresh_firm(platform)
    here, there = (browser(platform, account_id, password) for _ in range(2))
    api_session = platform.api(
        "POST", "/api/v1/sessions", json={"account_id": account_id, "password": password}
    ).json()
    here.get("/account/password")
    changed = here.post(
        "/account/password",
        {
            "current_password": password,
            "new_password": "Changed2024!ok",
            "confirm_password": "Changed2024!ok",
        },
        allow_redirects=False,
    )
    assert changed.status_code == 302
    assert here.get("/account").status_code == 200  # the session that changed it stays
    assert signed_out(there)
    assert "您已登出，請重新登入" in there.get("/login?next=/account").text
    # the API client's session too: its refresh token is refused (the access token it
    # holds lives at most 5 minutes)
    refused = platform.api(
        "POST", "/api/v1/sessions/refresh", json={"refresh_token": api_session["refresh_token"]}
    )
    assert refused.status_code == 401


def test_the_account_page_lists_sessions_and_signs_out_everywhere(platform: flows.Platform):
    account_id, password = fresh_firm(platform)
    phone, desk = (browser(platform, account_id, password) for _ in range(2))
    page = desk.get("/account/sessions")
    assert page.status_code == 200
    assert page.text.count("Firefox 128（Linux）") == 2
    assert "（目前使用中）" in page.text and page.text.count("登出此裝置") == 1
    everywhere = desk.post("/account/sessions/end-all", {}, allow_redirects=False)
    assert everywhere.status_code == 302 and everywhere.headers["Location"].endswith("/login")
    assert signed_out(desk) and signed_out(phone)


def test_api_sessions_refresh_list_and_end(platform: flows.Platform):
    account_id, password = fresh_firm(platform)

    def api_login() -> dict:
        reply = platform.api(
            "POST",
            "/api/v1/sessions",
            json={"account_id": account_id, "password": password},
            headers={"User-Agent": "jes-test-client/1.0"},
        )
        assert reply.status_code == 201, reply.text
        return reply.json()

    first, second, third = api_login(), api_login(), api_login()
    assert first["expires_in"] == 300 and first["refresh_token"].startswith(first["session_id"])
    refreshed = platform.api(
        "POST", "/api/v1/sessions/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    token = refreshed.json()["access_token"]
    listed = platform.api("GET", "/api/v1/sessions", token).json()["sessions"]
    assert {s["id"] for s in listed} == {
        first["session_id"],
        second["session_id"],
        third["session_id"],
    }
    assert [s["current"] for s in listed if s["id"] == first["session_id"]] == [True]
    assert {s["browser"] for s in listed} == {"jes-test-client/1.0"}

    ended = platform.api("DELETE", f"/api/v1/sessions/{second['session_id']}", token)
    assert ended.status_code == 200 and ended.json()["ended"] == 1
    refused = platform.api(
        "POST", "/api/v1/sessions/refresh", json={"refresh_token": second["refresh_token"]}
    )
    assert refused.status_code == 401
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert platform.api("DELETE", "/api/v1/sessions/no-such-session", token).status_code == 404

    logout = platform.api(
        "POST", "/api/v1/sessions/logout", json={"refresh_token": third["refresh_token"]}
    )
    assert logout.status_code == 200
    assert (
        platform.api(
            "POST", "/api/v1/sessions/refresh", json={"refresh_token": third["refresh_token"]}
        ).status_code
        == 401
    )

    everywhere = platform.api("DELETE", "/api/v1/sessions", token)
    assert everywhere.status_code == 200 and everywhere.json()["ended"] == 1
    gone = platform.api(
        "POST", "/api/v1/sessions/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert gone.status_code == 401
    assert requests.get(f"{platform.base_url}/readyz", timeout=5).status_code == 200

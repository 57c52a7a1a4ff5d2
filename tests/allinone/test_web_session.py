"""Page sessions: login with a cookie, CSRF on every unsafe request, roles per page."""

from __future__ import annotations

import requests

from support import flows
from support.allinone import DEMO_PASSWORD
from support.web import WebClient


def test_firm_logs_in_and_lands_on_the_dashboard_linking_its_photo_page(
    platform: flows.Platform,
):
    web = WebClient(platform.base_url)
    reply = web.login("DEMOFIRM", DEMO_PASSWORD, court_code="TPD")
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/portal")
    dashboard = web.get("/portal")
    assert "會員專區" in dashboard.text and 'href="/photos/"' in dashboard.text
    cookie = next(c for c in web.http.cookies if c.name == "jes_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    page = web.get("/photos/")
    assert page.status_code == 200 and "照片上傳維護" in page.text


def test_pages_need_a_login_and_the_right_role(platform: flows.Platform):
    anonymous = requests.get(f"{platform.base_url}/photos/", allow_redirects=False, timeout=5)
    assert anonymous.status_code == 302 and "/login?next=/photos/" in anonymous.headers["Location"]
    clerk = WebClient(platform.base_url)
    assert clerk.login("TPDCLERK", DEMO_PASSWORD).headers["Location"].endswith("/portal")
    assert 'href="/court/reviews"' in clerk.get("/portal").text
    forbidden = clerk.get("/photos/")
    assert forbidden.status_code == 403 and "權限" in forbidden.text


def test_wrong_password_and_wrong_court_are_refused_in_zh_tw(platform: flows.Platform):
    web = WebClient(platform.base_url)
    wrong = web.login("DEMOFIRM", "Wrong1234!")
    assert wrong.status_code == 400 and "帳號或密碼" in wrong.text
    other_court = web.login("DEMOFIRM", DEMO_PASSWORD, court_code="KSD")
    assert other_court.status_code == 400 and "不屬於所選的法院" in other_court.text
    assert web.get("/photos/", allow_redirects=False).status_code == 302


def test_unsafe_requests_without_the_csrf_token_are_refused(platform: flows.Platform):
    web = WebClient(platform.base_url)
    web.get("/login")
    forged = web.http.post(
        f"{platform.base_url}/login",
        data={"account_id": "DEMOFIRM", "password": DEMO_PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    assert forged.status_code == 403 and "重新整理" in forged.text
    assert web.login("DEMOFIRM", DEMO_PASSWORD).status_code == 302
    web.csrf = "not-the-token"
    assert web.post("/logout", allow_redirects=False).status_code == 403
    assert web.get("/photos/", allow_redirects=False).status_code == 200  # still logged in
    web.get("/photos/")
    assert web.post("/logout", allow_redirects=False).status_code == 302
    assert web.get("/photos/", allow_redirects=False).status_code == 302


def test_login_redirects_only_within_the_site(platform: flows.Platform):
    web = WebClient(platform.base_url)
    web.get("/login")
    reply = web.post(
        "/login?next=//evil.example/x",
        {"account_id": "DEMOFIRM", "password": DEMO_PASSWORD},
        allow_redirects=False,
    )
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/portal")

"""Brute force without victim lockout through the gateway (issue 10, journey 2), the same
in both run modes: thirty wrong passwords from one client do not stop the real user on
the browser they logged in with before; the captcha the rules ask for is drawn by the
gateway and solved with identity's digits; the owner is mailed about the new device;
會員專區 shows the attempts."""

from __future__ import annotations

import re

from jes.identity.v1 import identity_pb2, identity_pb2_grpc
from support import callers, flows
from support.web import WebClient

GATEWAY_BUDGET_SPENT = "嘗試次數過多，請稍後再試"  # the gateway's per-client limit, not identity


def digits_of_new_challenge(platform: flows.Platform) -> tuple[str, str]:
    """A challenge and its digits as the gateway gets them from identity (what a person
    reads off the picture or hears)."""
    identity = callers.client(
        platform.pki, platform.addrs["identity"], identity_pb2_grpc.IdentityServiceStub
    )
    challenge = identity.call("CreateLoginChallenge", identity_pb2.CreateLoginChallengeRequest())
    return challenge.id, challenge.digits


def post_login(web: WebClient, account_id: str, password: str, **extra: str):
    web.get("/login")
    return web.post(
        "/login", {"account_id": account_id, "password": password, **extra}, allow_redirects=False
    )


def captcha_the_rules_ask_for_is_shown_and_accepted(
    platform: flows.Platform, account_id: str, password: str
) -> None:
    web = WebClient(platform.base_url)
    web.http.cookies.clear()
    for _ in range(3):
        assert post_login(web, account_id, "Wrong1234!").status_code == 400
    page = web.get("/login").text
    assert 'name="captcha_id"' in page and "聽語音驗證碼（國語）" in page
    needed = web.post(
        "/login", {"account_id": account_id, "password": password}, allow_redirects=False
    )
    assert needed.status_code == 400 and "請輸入圖形驗證碼" in needed.text
    audio = re.search(r'href="(/login/captcha/audio\?token=[^"]+)"', needed.text)
    assert audio
    wav = web.get(audio.group(1).replace("&amp;", "&"))
    assert wav.status_code == 200 and wav.content[:4] == b"RIFF"
    challenge_id, digits = digits_of_new_challenge(platform)
    web.get("/login")
    solved = web.post(
        "/login",
        {
            "account_id": account_id,
            "password": password,
            "captcha_id": challenge_id,
            "captcha_answer": digits,
        },
        allow_redirects=False,
    )
    assert solved.status_code == 302


def owner_is_mailed_about_a_login_from_a_new_browser(
    platform: flows.Platform, account_id: str, password: str, email: str
) -> None:
    """An account's first login ever makes no mail (there is nothing to compare with); a
    browser it has not used before is told to the owner. (The mail after repeated
    failures needs failures from many addresses: identity's and notification's own tests
    show it.)"""
    first = platform.api(
        "POST", "/api/v1/sessions", json={"account_id": account_id, "password": password}
    )
    assert first.status_code == 201 and first.json()["device_token"]
    web = WebClient(platform.base_url)
    web.get("/login")
    reply = web.post(
        "/login", {"account_id": account_id, "password": password}, allow_redirects=False
    )
    assert reply.status_code == 302, reply.text
    [mail] = platform.wait_for_mail(email)
    assert mail["subject"] == "【司法院】您的帳號從新的裝置登入"
    assert "從新的瀏覽器或裝置登入（來源位址 127.0.0.1）" in mail["body"]


def thirty_wrong_passwords_do_not_stop_the_owner_on_their_known_browser(
    platform: flows.Platform, owner_id: str, password: str
) -> None:
    """Run it last in a module: the attacker spends the client's whole login budget at
    the gateway."""
    owner = WebClient(platform.base_url)
    first = post_login(owner, owner_id, password)
    assert first.status_code == 302 and first.headers["Location"].endswith("/portal")
    device = next(c for c in owner.http.cookies if c.name == f"jes_device_{owner_id}")
    assert device.path == "/login" and device.has_nonstandard_attr("HttpOnly")
    owner.get("/portal")
    owner.post("/logout")

    attacker = WebClient(platform.base_url)  # the same address: 127.0.0.1
    answers = [post_login(attacker, owner_id, f"Guess{n:04d}!") for n in range(30)]
    assert {a.status_code for a in answers} <= {400, 429}
    # identity answered those the gateway's per-client budget let through
    reached = [a for a in answers if GATEWAY_BUDGET_SPENT not in a.text]
    assert len(reached) >= 10
    assert any("請輸入圖形驗證碼" in a.text for a in reached)
    refused = post_login(attacker, owner_id, password)
    assert refused.status_code in (400, 429)  # a captcha or a wait, even for the password

    back = post_login(owner, owner_id, password)  # no captcha, no wait
    assert back.status_code == 302 and back.headers["Location"].endswith("/portal")
    dashboard = owner.get("/portal").text
    assert "最近登入成功記錄" in dashboard and "127.0.0.1" in dashboard
    failures = re.search(r"(\d+) 次（自上次登入成功後）", dashboard)
    # every attempt identity saw, the refused ones too
    assert failures and int(failures.group(1)) == len(reached) + (
        GATEWAY_BUDGET_SPENT not in refused.text
    )
    assert 'href="/photos/"' in dashboard

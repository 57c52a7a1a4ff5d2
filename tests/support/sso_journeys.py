"""Journeys 7 and 8 over HTTP, the same in both run modes: a judge's first and later
visit and a prosecutor's login, through the gateway and the real Keycloak's login form."""

from __future__ import annotations

import re
from dataclasses import dataclass

from jes_config.sign_in import NAME_FROM_DIRECTORY, PASSWORD_AT_PROVIDER
from support import flows
from support.keycloak import JUDGE_CHOU, JUDGE_WANG, PROSECUTOR_CHEN, STAFF_LEE
from support.sso_browser import LoopbackBrowser

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CODE = re.compile(r"(?<![0-9])([0-9]{6})(?![0-9])")


@dataclass
class SsoVisit:
    browser: LoopbackBrowser
    status: int  # of the page the sign-in ended on
    path: str  # where the gateway sent the browser after its callback ("" = no redirect)
    text: str  # that page's text


def begin(base_url: str, provider: str, browser: LoopbackBrowser | None = None):
    """Press the provider's button on the login page: (browser, provider's answer)."""
    browser = browser or LoopbackBrowser()
    login = browser.request("GET", f"{base_url}/login")
    assert login.status_code == 200
    assert f'href="/login/sso/{provider}' in login.text, "no button for the provider"
    page, _ = browser.follow("GET", f"{base_url}/login/sso/{provider}", stop_at=base_url)
    return browser, page


def callback_of(base_url: str, page, username: str, password: str, browser: LoopbackBrowser):
    """Log in at the provider's form: the gateway's callback URL it redirects to."""
    _, location = browser.sign_in_at_provider(page, username, password, stop_at=base_url)
    assert location.startswith(f"{base_url}/login/sso/"), location
    return location


def finish(base_url: str, browser: LoopbackBrowser, callback_url: str) -> SsoVisit:
    answer = browser.request("GET", callback_url)
    if answer.is_redirect:
        path = answer.headers["Location"].removeprefix(base_url)
        landed, _ = browser.follow("GET", base_url + path)
        return SsoVisit(browser, landed.status_code, path, landed.text)
    return SsoVisit(browser, answer.status_code, "", answer.text)


def visit(
    base_url: str,
    provider: str,
    username: str,
    password: str,
    browser: LoopbackBrowser | None = None,
) -> SsoVisit:
    """A whole sign-in: the button, the provider's form (unless the provider's own
    session lets the browser straight through), the callback."""
    browser, page = begin(base_url, provider, browser)
    if page.is_redirect:  # signed in at the provider already: straight back
        callback_url = page.headers["Location"]
    else:
        callback_url = callback_of(base_url, page, username, password, browser)
    return finish(base_url, browser, callback_url)


def give_email(platform: flows.Platform, browser: LoopbackBrowser, email: str):
    """The registration's e-mail: the address, then the 6-digit code mailed to it."""
    base_url = platform.base_url
    form = browser.request("GET", f"{base_url}/account/sign-in-email")
    token = CSRF.search(form.text).group(1)  # type: ignore[union-attr]
    sent = browser.request(
        "POST", f"{base_url}/account/sign-in-email", data={"csrf_token": token, "email": email}
    )
    assert sent.is_redirect, sent.text[-2000:]
    page = browser.request("GET", f"{base_url}/account/sign-in-email")
    assert "認證碼已寄至" in page.text and 'name="code"' in page.text
    [mail] = platform.wait_for_mail(email.lower())
    code = CODE.search(mail["body"]).group(1)  # type: ignore[union-attr]
    wrong = "000000" if code != "000000" else "111111"
    refused = browser.request(
        "POST",
        f"{base_url}/account/sign-in-email/confirm",
        data={"csrf_token": token, "code": wrong},
    )
    assert refused.status_code == 400 and "認證碼不正確" in refused.text
    return browser.request(
        "POST",
        f"{base_url}/account/sign-in-email/confirm",
        data={"csrf_token": token, "code": code},
    )


def log_out(base_url: str, browser: LoopbackBrowser) -> None:
    page = browser.request("GET", f"{base_url}/account/sign-in-email")
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    assert browser.request("POST", f"{base_url}/logout", data={"csrf_token": token}).is_redirect


# -- the journeys -------------------------------------------------------------------


def judge_first_and_later_visits(platform: flows.Platform) -> None:
    """Journey 7: the first visit creates the account and asks for an e-mail, verified by
    a mailed code; later visits go straight in."""
    base_url = platform.base_url
    first = visit(base_url, "courts", *JUDGE_WANG)
    assert first.path == "/account/sign-in-email"
    assert "王大明" in first.text and "judge.wang" in first.text
    assert "臺灣臺北地方法院" in first.text
    assert "已為您建立帳號" in first.text

    email = flows.unique_email("judge.wang")
    done = give_email(platform, first.browser, email.upper())
    assert done.is_redirect and done.headers["Location"].endswith("/account")
    log_out(base_url, first.browser)

    # later visits go straight in: Keycloak's own session lets the browser through, and
    # the gateway no longer asks for anything
    later = visit(base_url, "courts", *JUDGE_WANG, browser=first.browser)
    assert (later.status, later.path) == (200, "/portal"), (later.status, later.path)
    page = later.browser.request("GET", f"{base_url}/account/sign-in-email")
    assert f"目前使用的電子郵件：{email}" in page.text  # the same account, its address verified
    directory_owns_name_and_password(base_url, later.browser, email)

    # from another browser (no session at Keycloak): the form again, the same account
    elsewhere = visit(base_url, "courts", *JUDGE_WANG)
    assert elsewhere.path == "/portal", elsewhere.path  # 會員專區, where every login lands


def directory_owns_name_and_password(base_url: str, browser: LoopbackBrowser, email: str):
    """A judge's account page has no 維護密碼 and no editable name; a direct POST that
    tries either is refused in zh-TW, and the name stays the directory's."""
    page = browser.request("GET", f"{base_url}/account")
    assert 'href="/account/password"' not in page.text and "維護密碼" not in page.text
    assert NAME_FROM_DIRECTORY in page.text
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    renamed = browser.request(
        "POST",
        f"{base_url}/account",
        data={"csrf_token": token, "display_name": "王小明", "email": email, "phone": "02-1"},
    )
    assert renamed.status_code == 400 and NAME_FROM_DIRECTORY in renamed.text
    password = browser.request(
        "POST",
        f"{base_url}/account/password",
        data={
            "csrf_token": token,
            "current_password": "Judge-Wang-2026",
            "new_password": "Judge-Wang-2026-Changed!",
            "confirm_password": "Judge-Wang-2026-Changed!",
        },
    )
    assert password.status_code == 409 and PASSWORD_AT_PROVIDER in password.text
    assert "王大明（" in browser.request("GET", f"{base_url}/account").text  # the user bar


def prosecutor_signs_in(platform: flows.Platform) -> None:
    """Journey 8: the account carries the role and the prosecutor's identifier."""
    base_url = platform.base_url
    signed_in = visit(base_url, "moj", *PROSECUTOR_CHEN)
    assert signed_in.path == "/account/sign-in-email"
    assert "陳建國" in signed_in.text and "TPS-0427" in signed_in.text
    assert "檢察官" in signed_in.text


REFUSED = [
    ("courts", JUDGE_CHOU, "目錄中沒有您的所屬法院"),
    ("moj", STAFF_LEE, "單一登入窗口未將您登錄為檢察官"),
]


def refused_without_account(
    base_url: str, provider: str, user: tuple[str, str], reason: str
) -> None:
    """Someone the claim rules refuse gets the reason and no session."""
    refused = visit(base_url, provider, *user)
    assert (refused.status, refused.path) == (409, ""), (
        refused.status,
        refused.path,
    )  # FAILED_PRECONDITION
    assert reason in refused.text
    page = refused.browser.request("GET", f"{base_url}/account/sign-in-email")
    assert page.is_redirect and "/login" in page.headers["Location"]  # not signed in


def callback_in_another_browser_is_refused(base_url: str) -> None:
    """Login CSRF: a callback brought to a browser that did not start the sign-in."""
    # the attacker logs in at the provider and hands the callback to the victim's browser
    attacker, page = begin(base_url, "courts")
    callback_url = callback_of(base_url, page, *JUDGE_WANG, attacker)
    victim = LoopbackBrowser()
    victim.request("GET", f"{base_url}/login")
    refused = finish(base_url, victim, callback_url)
    assert refused.status == 401, refused.text[-3000:]
    assert "登入流程不符" in refused.text
    page = victim.request("GET", f"{base_url}/account/sign-in-email")
    assert page.is_redirect and "/login" in page.headers["Location"]  # not signed in
    # the refusal spent nothing: the browser that started the sign-in still finishes it
    assert finish(base_url, attacker, callback_url).status == 200

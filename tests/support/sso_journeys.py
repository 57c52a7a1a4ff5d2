"""Journeys 7 and 8 over HTTP, the same in both run modes: a judge's first and later
visit and a prosecutor's login, through the gateway and the real Keycloak's login form."""

from __future__ import annotations

import re
from dataclasses import dataclass

from support.sso_browser import LoopbackBrowser

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


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


def give_email(base_url: str, browser: LoopbackBrowser, email: str):
    form = browser.request("GET", f"{base_url}/account/sign-in-email")
    token = CSRF.search(form.text).group(1)  # type: ignore[union-attr]
    return browser.request(
        "POST", f"{base_url}/account/sign-in-email", data={"csrf_token": token, "email": email}
    )


def log_out(base_url: str, browser: LoopbackBrowser) -> None:
    page = browser.request("GET", f"{base_url}/account/sign-in-email")
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    assert browser.request("POST", f"{base_url}/logout", data={"csrf_token": token}).is_redirect

"""A small HTTP client that logs in at an OpenID provider's login form the way a browser
does, for the single sign-on tests that drive Keycloak without a browser.

Why not a requests.Session alone: Keycloak marks its login cookies Secure even over
plain http; browsers keep and send Secure cookies to http://127.0.0.1 (a trustworthy
origin), Python's cookie jar does not. This client keeps cookies per host and path and
follows redirects itself, stopping where the test wants to look."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urljoin, urlsplit

import requests

LOGIN_FORM = re.compile(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', re.S)


@dataclass
class LoopbackBrowser:
    # (host:port, path, name) -> value
    cookies: dict[tuple[str, str, str], str] = field(default_factory=dict)
    http: requests.Session = field(default_factory=requests.Session)

    def _cookie_header(self, url: str) -> str:
        parts = urlsplit(url)
        return "; ".join(
            f"{name}={value}"
            for (host, path, name), value in self.cookies.items()
            if host == parts.netloc and (parts.path or "/").startswith(path)
        )

    def _keep(self, url: str, response: requests.Response) -> None:
        host = urlsplit(url).netloc
        for header in response.raw.headers.getlist("Set-Cookie"):
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                key = (host, morsel["path"] or "/", name)
                expired = morsel["max-age"] == "0" or not morsel.value
                if expired:
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value

    def request(self, method: str, url: str, **kwargs: object) -> requests.Response:
        """One request, no redirects followed; cookies kept."""
        headers = dict(kwargs.pop("headers", {}) or {})  # type: ignore[call-overload]
        if cookie := self._cookie_header(url):
            headers["Cookie"] = cookie
        response = self.http.request(
            method, url, headers=headers, allow_redirects=False, timeout=30, **kwargs
        )
        self._keep(url, response)
        return response

    def follow(self, method: str, url: str, *, stop_at: str = "", **kwargs: object):
        """Request and follow redirects until an answer that is not one, or until the
        next location starts with `stop_at` (returned unvisited as the location)."""
        response = self.request(method, url, **kwargs)
        while response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if stop_at and location.startswith(stop_at):
                return response, location
            response = self.request("GET", location)
        return response, response.url

    def sign_in_at_provider(
        self, login_page: requests.Response, username: str, password: str, stop_at: str
    ) -> tuple[requests.Response, str]:
        """Fill the provider's login form (Keycloak's) and submit it; returns the answer
        and where it sends the browser (stopping before `stop_at`)."""
        match = LOGIN_FORM.search(login_page.text)
        assert match, f"no login form at {login_page.url}: {login_page.text[:300]}"
        action = html.unescape(match.group(1))
        return self.follow(
            "POST",
            urljoin(login_page.url, action),
            data={"username": username, "password": password, "credentialId": ""},
            stop_at=stop_at,
        )

"""A browser-like HTTP client for the gateway's pages: cookie session + CSRF token."""

from __future__ import annotations

import re
from typing import Any

import requests

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


class WebClient:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = requests.Session()
        self.csrf = ""

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        response = self.http.get(self.base_url + path, **kwargs)
        found = (
            CSRF_META.search(response.text)
            if "text/html" in response.headers.get("Content-Type", "")
            else None
        )
        if found:
            self.csrf = found.group(1)
        return response

    def post(
        self, path: str, data: dict[str, Any] | None = None, **kwargs: Any
    ) -> requests.Response:
        """A form post carrying the CSRF token of the last page, like the browser would."""
        kwargs.setdefault("timeout", 60)
        form = {"csrf_token": self.csrf, **(data or {})}
        return self.http.post(self.base_url + path, data=form, **kwargs)

    def login(self, account_id: str, password: str, court_code: str = "") -> requests.Response:
        self.get("/login")
        return self.post(
            "/login",
            {"account_id": account_id, "password": password, "court_code": court_code},
            allow_redirects=False,
        )

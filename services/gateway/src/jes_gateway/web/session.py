"""Web sessions: a signed, HttpOnly cookie holding the access token, and CSRF tokens.

Pages call services with the signed-in person's own token, so the services' checks
(role, court, ownership) apply to the web exactly as to the API. Every unsafe request
to a page must carry the session's CSRF token (form field `csrf_token` or header
`X-CSRF-Token`); the REST API under /api/ takes bearer tokens only, never cookies, so
it needs none.
"""

from __future__ import annotations

import functools
import hmac
import secrets
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from urllib.parse import unquote, urlsplit

from flask import abort, g, redirect, request, session, url_for

from jes.identity.v1 import identity_pb2

F = TypeVar("F", bound=Callable[..., Any])
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
# Leave a margin so a page never calls a service with a token about to expire.
EXPIRY_MARGIN_SECONDS = 30


@dataclass(frozen=True)
class WebUser:
    account_id: str
    name: str
    roles: tuple[str, ...]
    court_code: str
    token: str

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_firm(self) -> bool:
        return self.has_role("firm")

    @property
    def is_court_staff(self) -> bool:
        return self.has_role("clerk", "admin")


def sign_in(reply: identity_pb2.LoginResponse) -> WebUser:
    """Start a fresh session (a new CSRF token too: no session fixation)."""
    session.clear()
    session.permanent = True
    session["token"] = reply.access_token
    session["expires_at"] = int(time.time()) + int(reply.expires_in_seconds)
    session["account"] = {
        "account_id": reply.account.account_id,
        "name": reply.account.display_name,
        "roles": list(reply.account.roles),
        "court_code": reply.account.court_code,
    }
    session[CSRF_FIELD] = secrets.token_urlsafe(32)
    g.pop("web_user", None)
    user = current_user()
    assert user is not None
    return user


def sign_out() -> None:
    session.clear()
    g.pop("web_user", None)


def current_user() -> WebUser | None:
    if "web_user" in g:
        return cast(WebUser | None, g.web_user)
    user = None
    account = session.get("account")
    if account and session.get("expires_at", 0) - EXPIRY_MARGIN_SECONDS > time.time():
        user = WebUser(
            account_id=account["account_id"],
            name=account["name"],
            roles=tuple(account["roles"]),
            court_code=account["court_code"],
            token=session["token"],
        )
    elif account:
        sign_out()  # expired: forget it, the next page asks to log in again
    g.web_user = user
    return user


def home_for(user: WebUser) -> str:
    """Where a person lands after logging in: 會員專區, with every system they may use."""
    return url_for("portal.dashboard")


def login_required(*roles: str) -> Callable[[F], F]:
    """The page needs a signed-in person (with one of `roles`, when given)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if roles and not user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def require_user() -> WebUser:
    """The signed-in person inside a `login_required` page."""
    user = current_user()
    if user is None:
        abort(401)
    return user


def csrf_token() -> str:
    token = session.get(CSRF_FIELD)
    if not token:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return str(token)


def check_csrf() -> None:
    """Refuse an unsafe page request that does not carry this session's CSRF token."""
    if request.method not in UNSAFE_METHODS or request.path.startswith("/api/"):
        return
    expected = session.get(CSRF_FIELD, "")
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    # as bytes: compare_digest refuses non-ASCII text (a TypeError, not a refusal)
    if not expected or not hmac.compare_digest(str(expected).encode(), str(sent).encode()):
        abort(403, description="網頁已逾時或來源不明，請重新整理頁面後再試")


def safe_next(target: str | None) -> str | None:
    """Only same-origin relative paths after login (no open redirect): one leading `/`, no
    scheme or host, no backslash, no control character or white space, also once decoded
    (browsers drop a tab or newline in a URL, so `/\t/evil.example` is `//evil.example`)."""
    if not target:
        return None
    for value in (target, unquote(target)):
        if not value.startswith("/") or value.startswith("//") or "\\" in value:
            return None
        if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in value):
            return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None

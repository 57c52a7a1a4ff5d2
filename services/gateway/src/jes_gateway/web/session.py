"""Web sessions: a signed, HttpOnly cookie holding identity's session token, and CSRF
tokens.

The session lives in identity (idle 30 minutes, at most 12 hours, ended by logout, a
password change or "sign out everywhere"). Every page asks identity for an access
token for it (RefreshSession), which also counts as activity, so an active user stays
signed in and an ended session (an old cookie after logout) gets nothing on its next
page, on every replica: the gateway keeps nothing of the session's validity. (identity
checks the session in its database on every call; it hands back the token it signed
for the session while that has over half its life left, and records the activity at
most once a minute.) Pages call
services with that token, so the services' checks (role, court, ownership) apply to the
web exactly as to the API. Every unsafe request
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

from flask import abort, flash, g, redirect, request, session, url_for

from jes.identity.v1 import identity_pb2
from jes_gateway.context import gateway
from jes_gateway.problems import Problem
from jes_gateway.ratelimit import current_client

F = TypeVar("F", bound=Callable[..., Any])
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
# The page that only asks how long the session has left: asking is no activity.
STATUS_ENDPOINT = "auth.session_status"
USER_AGENT_MAX = 200


@dataclass(frozen=True)
class WebUser:
    account_id: str
    name: str
    roles: tuple[str, ...]
    court_code: str
    token: str
    idle_expires_at: int = 0  # when the session ends without activity (epoch seconds)
    # single sign-on accounts: their provider, which owns the name and the password
    sign_in_provider: str = ""

    @property
    def seconds_left(self) -> int:
        """Until the session ends without activity (for the page script's warning)."""
        return max(0, self.idle_expires_at - int(time.time()))

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
    session["session_token"] = reply.session_token
    session[CSRF_FIELD] = secrets.token_urlsafe(32)
    user = WebUser(
        account_id=reply.account.account_id,
        name=reply.account.display_name,
        roles=tuple(reply.account.roles),
        court_code=reply.account.court_code,
        token=reply.access_token,
        idle_expires_at=reply.idle_expires_at.seconds,
        sign_in_provider=reply.account.sign_in_provider,
    )
    g.web_user = user
    return user


def user_agent() -> str:
    return request.headers.get("User-Agent", "")[:USER_AGENT_MAX]


def sign_out() -> None:
    """End the session on the server too: the cookie, or a copy of it, no longer works."""
    session_token = session.get("session_token")
    session.clear()
    g.web_user = None
    if session_token:
        try:
            gateway().services.identity.end_session(str(session_token))
        except Problem:
            pass  # identity unreachable: the session still ends by its timeouts


def current_user() -> WebUser | None:
    """The person of this request's session, with a fresh access token, or None. Asking
    counts as the person's activity (except on the page that only reports the time
    left); a session identity ended or timed out is forgotten here."""
    if "web_user" in g:
        return cast(WebUser | None, g.web_user)
    user = None
    session_token = session.get("session_token")
    if session_token:
        try:
            tokens = gateway().services.identity.refresh_session(
                str(session_token),
                touch=request.endpoint != STATUS_ENDPOINT,
                client_address=current_client(),
            )
        except Problem as problem:
            if problem.status != 401:
                raise
            session.clear()  # ended, idle or expired: the next page asks to log in
            g.session_ended = problem.detail
        else:
            user = WebUser(
                account_id=tokens.account_id,
                name=tokens.display_name,
                roles=tuple(tokens.roles),
                court_code=tokens.court_code,
                token=tokens.access_token,
                idle_expires_at=tokens.idle_expires_at.seconds,
                sign_in_provider=tokens.sign_in_provider,
            )
    elif session.get("account"):  # a cookie from before server-side sessions
        session.clear()
    g.web_user = user
    return user


def return_path() -> str:
    """Where to come back to after logging in again: this page; for a form sent to an
    address that is no page, the page it was sent from (its fields are kept in the
    browser by session.js and filled in again there)."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and safe_next(referrer.path):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return request.path


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
                if ended := g.get("session_ended"):
                    flash(ended, "info")  # why: logged out, idle too long, 12 hours
                return redirect(url_for("auth.login", next=return_path()))
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


# RFC 8058 one-click unsubscribe: the mail client POSTs with no session. The link's secret
# token is the key, and the one thing it does (stop one case's mails) is harmless to repeat.
CSRF_EXEMPT_PATHS = frozenset({"/notices/unsubscribe"})


def check_csrf() -> None:
    """Refuse an unsafe page request that does not carry this session's CSRF token."""
    if request.method not in UNSAFE_METHODS or request.path.startswith("/api/"):
        return
    if request.path in CSRF_EXEMPT_PATHS:
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

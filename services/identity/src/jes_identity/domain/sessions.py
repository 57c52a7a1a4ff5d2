"""Server-side sessions (issue 10, journey 3): how long one lasts without activity and
at most, how long an access token lives, and whether a session is still active."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from jes_domain import Unauthenticated

IDLE_TIMEOUT = timedelta(minutes=30)  # no activity for this long ends the session (default)
ABSOLUTE_LIFETIME = timedelta(hours=12)  # no session lasts longer, however active
# Access tokens are checked by every service on their own (signature and expiry), so a
# token outlives the end of its session by at most this long; a new one is given only
# to an active session (RefreshSession). The gateway asks for one on every page.
ACCESS_TOKEN_TTL = timedelta(minutes=5)
# RefreshSession records activity only when the recorded one is older than this (one
# write a minute for a busy reader, not one a page): the idle timeout counts from the
# recorded activity, so an idle session ends 30 minutes after its last page at the
# latest and, at the earliest, this much sooner.
ACTIVITY_RECORD_INTERVAL = timedelta(seconds=60)
# RefreshSession hands back the access token it signed for the session while the token
# has more than this left (kept in identity's memory, never stored), instead of signing
# one per page; the session itself is still checked in the database on every call.
ACCESS_TOKEN_REUSE_MIN_LEFT = ACCESS_TOKEN_TTL / 2
USER_AGENT_MAX = 200


class EndReason(StrEnum):
    LOGOUT = "logout"  # the user logged out of this session
    SIGNED_OUT = "signed_out"  # ended from the list of sessions (one, or everywhere)
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (a reason)
    PASSWORD_SET = "password_set"  # noqa: S105 (a link or a reset set the password)


SESSION_ENDED = "您已登出，請重新登入"
SESSION_IDLE = "閒置過久，已自動登出，請重新登入"
SESSION_EXPIRED = "登入已超過 12 小時，請重新登入"
SESSION_UNKNOWN = "登入已失效，請重新登入"


def idle_expires_at(
    last_activity_at: datetime, absolute_expires_at: datetime, idle: timedelta = IDLE_TIMEOUT
) -> datetime:
    """When the session ends without further activity."""
    return min(last_activity_at + idle, absolute_expires_at)


def activity_due(last_activity_at: datetime, now: datetime) -> bool:
    """Whether a page now is to be recorded as the session's activity."""
    return now - last_activity_at >= ACTIVITY_RECORD_INTERVAL


def idle_timeout_from(setting: str) -> timedelta:
    """JES_SESSION_IDLE_SECONDS (an installation's idle timeout: 2 minutes to 12 hours;
    empty: 30 minutes). ValueError for anything else."""
    if not setting.strip():
        return IDLE_TIMEOUT
    seconds = int(setting)
    if not 120 <= seconds <= ABSOLUTE_LIFETIME.total_seconds():
        raise ValueError("JES_SESSION_IDLE_SECONDS must be 120 to 43200")
    return timedelta(seconds=seconds)


def check_active(
    *,
    ended_at: datetime | None,
    last_activity_at: datetime,
    absolute_expires_at: datetime,
    now: datetime,
    idle: timedelta = IDLE_TIMEOUT,
) -> None:
    """Unauthenticated (with the reason a person reads) unless the session is active."""
    if ended_at is not None:
        raise Unauthenticated(SESSION_ENDED)
    if absolute_expires_at <= now:
        raise Unauthenticated(SESSION_EXPIRED)
    if last_activity_at + idle <= now:
        raise Unauthenticated(SESSION_IDLE)


def split_session_token(token: str) -> tuple[str, str] | None:
    """A session token is "<session id>.<secret>"; None when it is not shaped so."""
    session_id, dot, secret = token.strip().partition(".")
    if not dot or not session_id or not secret or len(token) > 200:
        return None
    return session_id, secret

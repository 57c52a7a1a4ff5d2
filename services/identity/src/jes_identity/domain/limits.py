"""The short lock of password changes after wrong current passwords and the rate limit
of the forgot-password / forgot-account mails, as decisions on counts and times (the
counting itself is done in the database). Logins have their own rules, which never lock
the owner out: domain.login_guard."""

from __future__ import annotations

from datetime import datetime, timedelta

# A signed-in user's password changes stop after this many wrong current passwords
# within the window (someone else at an unlocked screen must not guess on).
MAX_FAILED_LOGINS = 5
FAILED_LOGIN_WINDOW = timedelta(minutes=15)
PASSWORD_CHANGE_LOCKED = "密碼錯誤次數過多，請 15 分鐘後再試"  # noqa: S105 (a message)

# Forgot password / forgot account id send mails to addresses anyone can type: at most
# this many requests per account id and per e-mail address within the window.
MAIL_REQUESTS_PER_WINDOW = 3
MAIL_REQUEST_WINDOW = timedelta(hours=1)
TOO_MANY_MAIL_REQUESTS = "申請次數過多，請 1 小時後再試"


def failures_count_since(now: datetime, failures_cleared_at: datetime | None) -> datetime:
    """Failed logins from this moment on count toward the lockout: those within the
    window, but none from before the password was last set through a link."""
    since = now - FAILED_LOGIN_WINDOW
    if failures_cleared_at is not None and failures_cleared_at > since:
        return failures_cleared_at
    return since


def is_locked_out(recent_failures: int) -> bool:
    return recent_failures >= MAX_FAILED_LOGINS


def limit_reached(count: int, limit: int) -> bool:
    """`count` requests already within the window leave no room for another."""
    return count >= limit


def reset_request_keys(account_id: str, email: str) -> list[str]:
    """A password reset counts against the account id and the address (normalized), so
    the limit holds whether or not the account exists."""
    return [f"reset:account:{account_id}", f"reset:email:{email}"]


def reminder_keys(email: str) -> list[str]:
    return [f"remind:email:{email}"]

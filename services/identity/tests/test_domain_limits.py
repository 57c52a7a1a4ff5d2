"""Lockout, mail rate limits and one-time links as decisions on counts and times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jes_domain import FailedPrecondition
from jes_identity.domain.limits import (
    FAILED_LOGIN_WINDOW,
    MAIL_REQUESTS_PER_WINDOW,
    MAX_FAILED_LOGINS,
    failures_count_since,
    is_locked_out,
    limit_reached,
    reminder_keys,
    reset_request_keys,
)
from jes_identity.domain.links import (
    ACTIVATION_LINK_TTL,
    LINK_EXPIRED,
    LINK_INVALID,
    RESET_LINK_TTL,
    check_link,
)

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("failures", "locked"), [(0, False), (MAX_FAILED_LOGINS - 1, False), (MAX_FAILED_LOGINS, True)]
)
def test_lockout_after_five_recent_failures(failures, locked):
    assert MAX_FAILED_LOGINS == 5
    assert is_locked_out(failures) is locked


def test_failures_count_within_fifteen_minutes():
    assert FAILED_LOGIN_WINDOW == timedelta(minutes=15)
    assert failures_count_since(NOW, None) == NOW - timedelta(minutes=15)


def test_setting_a_password_by_link_clears_earlier_failures():
    cleared = NOW - timedelta(minutes=2)
    assert failures_count_since(NOW, cleared) == cleared


def test_a_clearance_older_than_the_window_changes_nothing():
    cleared = NOW - timedelta(hours=1)
    assert failures_count_since(NOW, cleared) == NOW - FAILED_LOGIN_WINDOW


def test_mail_requests_per_window():
    assert MAIL_REQUESTS_PER_WINDOW == 3
    assert not limit_reached(MAIL_REQUESTS_PER_WINDOW - 1, MAIL_REQUESTS_PER_WINDOW)
    assert limit_reached(MAIL_REQUESTS_PER_WINDOW, MAIL_REQUESTS_PER_WINDOW)


def test_a_reset_counts_against_the_account_and_the_address():
    assert reset_request_keys("DEMOFIRM", "a@example.com") == [
        "reset:account:DEMOFIRM",
        "reset:email:a@example.com",
    ]
    assert reminder_keys("a@example.com") == ["remind:email:a@example.com"]


# -- one-time links -------------------------------------------------------------------------


def test_link_lifetimes():
    assert ACTIVATION_LINK_TTL == timedelta(hours=72)
    assert RESET_LINK_TTL == timedelta(hours=1)


def test_a_fresh_link_of_an_active_account_may_be_used():
    check_link(used=False, account_active=True, expires_at=NOW + timedelta(seconds=1), now=NOW)


@pytest.mark.parametrize(
    ("used", "active", "expires_in", "message"),
    [
        (True, True, timedelta(hours=1), LINK_INVALID),
        (False, False, timedelta(hours=1), LINK_INVALID),
        (True, True, -timedelta(hours=1), LINK_INVALID),  # used says more than expired
        (False, True, timedelta(0), LINK_EXPIRED),
        (False, True, -timedelta(seconds=1), LINK_EXPIRED),
    ],
)
def test_refused_links(used, active, expires_in, message):
    with pytest.raises(FailedPrecondition) as refused:
        check_link(used=used, account_active=active, expires_at=NOW + expires_in, now=NOW)
    assert refused.value.message == message

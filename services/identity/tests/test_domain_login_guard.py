"""The brute-force rules as pure decisions on counts (domain.login_guard)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jes_identity.domain import login_guard
from jes_identity.domain.login_guard import LoginCounts, decide, lane_wait

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def counts(**overrides) -> LoginCounts:
    values = {
        "trusted_device": False,
        "lane_failures": 0,
        "last_lane_failure_at": None,
        "account_failures": 0,
        "oldest_account_failure_at": None,
        "address_failures": 0,
        "oldest_address_failure_at": None,
        "global_failures": 0,
    }
    values.update(overrides)
    return LoginCounts(**values)


@pytest.mark.parametrize(
    ("failures", "minutes"), [(0, 0), (4, 0), (5, 1), (6, 2), (18, 14), (19, 15), (1000, 15)]
)
def test_waits_grow_by_a_minute_and_stop_at_fifteen(failures, minutes):
    assert lane_wait(failures) == timedelta(minutes=minutes)


@pytest.mark.parametrize(("failures", "captcha"), [(2, False), (3, True), (4, True)])
def test_captcha_after_three_failures_in_the_lane(failures, captcha):
    decision = decide(counts(lane_failures=failures, last_lane_failure_at=NOW), NOW)
    assert decision.allowed
    assert decision.captcha_required is captcha


def test_a_wait_ends():
    last = NOW - timedelta(seconds=59)
    waiting = decide(counts(lane_failures=5, last_lane_failure_at=last), NOW)
    assert (waiting.allowed, waiting.wait_seconds) == (False, 1)
    later = decide(counts(lane_failures=5, last_lane_failure_at=last), NOW + timedelta(seconds=2))
    assert later.allowed and later.captcha_required


def test_a_trusted_device_ignores_every_count_but_its_own():
    flooded = counts(
        trusted_device=True,
        account_failures=5000,
        address_failures=5000,
        global_failures=50000,
        oldest_account_failure_at=NOW,
        oldest_address_failure_at=NOW,
    )
    decision = decide(flooded, NOW)
    assert decision.allowed and not decision.captcha_required


def test_a_hundred_failures_an_hour_refuse_untrusted_attempts_until_the_oldest_ages_out():
    oldest = NOW - timedelta(minutes=50)
    decision = decide(counts(account_failures=100, oldest_account_failure_at=oldest), NOW)
    assert not decision.allowed
    assert decision.wait_seconds == 600
    assert decision.refusal == login_guard.ACCOUNT_BUSY


@pytest.mark.parametrize(
    "busy",
    [{"account_failures": 10}, {"address_failures": 10}, {"global_failures": 500}],
)
def test_attacks_on_an_account_from_an_address_or_everywhere_ask_for_a_captcha(busy):
    assert decide(counts(**busy), NOW).captcha_required


def test_the_owner_is_warned_at_ten_and_at_a_hundred_failures():
    assert [n for n in range(1, 150) if login_guard.owner_to_be_warned(n)] == [10, 100]

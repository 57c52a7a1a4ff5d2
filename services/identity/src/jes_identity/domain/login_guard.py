"""Whether a login attempt may go ahead: brute-force defence without locking the real
user out (ASVS 4.0.3 V2.2.1, OWASP "device cookies", Keycloak's growing waits).

Attempts run in lanes. A browser that logged in to the account before carries a device
token (trusted lane): only failures made with that token count against it, so guessing
from anywhere else never stops the owner's own browser. Every other attempt is in the
untrusted lane of (account, client address): a captcha after a few failures, then waits
that grow with each failure up to 15 minutes, never a permanent lock. Across lanes: at
most 100 failures an hour per account, a captcha for every untrusted attempt while an
account, a client address or the whole installation sees many failures, and a refusal
for an address that fails too often. Pure decisions on counts; the counting is done in
the database (accounts_store).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Untrusted lane: (account, client address).
LANE_WINDOW = timedelta(hours=12)  # Keycloak's "failure reset time"
CAPTCHA_AFTER_LANE_FAILURES = 3
WAIT_AFTER_LANE_FAILURES = 5
WAIT_STEP = timedelta(minutes=1)  # each further failure waits one more minute ...
MAX_WAIT = timedelta(minutes=15)  # ... up to this, never longer

# Trusted lane: a device token of this account. After this many failures with the token
# it is no longer trusted (its attempts fall back to the untrusted lane's rules).
DEVICE_FAILURES_DISTRUSTED = 10

# The account as a whole (failures of every lane).
ACCOUNT_WINDOW = timedelta(hours=1)
ACCOUNT_FAILURES_PER_HOUR = 100  # ASVS 2.2.1: at most 100 failed attempts an hour
CAPTCHA_AFTER_ACCOUNT_FAILURES = 10  # many addresses guessing one account
OWNER_WARNED_AT = (10, ACCOUNT_FAILURES_PER_HOUR)  # mail the owner when the count reaches these

# One client address, over every account it tries.
ADDRESS_WINDOW = timedelta(hours=1)
CAPTCHA_AFTER_ADDRESS_FAILURES = 10
ADDRESS_FAILURES_PER_HOUR = 100

# The whole installation (a distributed attack).
GLOBAL_WINDOW = timedelta(minutes=5)
CAPTCHA_AFTER_GLOBAL_FAILURES = 500

CAPTCHA_NEEDED = "請輸入圖形驗證碼"
CAPTCHA_WRONG = "驗證碼錯誤或已失效，請輸入新的驗證碼"
ACCOUNT_BUSY = "此帳號近 1 小時登入失敗次數過多，請稍後再試，或使用曾經登入成功的瀏覽器登入"
ADDRESS_BUSY = "您的網路位址近 1 小時登入失敗次數過多，請稍後再試"


@dataclass(frozen=True)
class LoginCounts:
    """Recent failures that bear on one attempt (wrong passwords only: refused attempts,
    for a missing captcha or a wait, are not counted)."""

    trusted_device: bool  # the attempt carries a device token of this account, still trusted
    lane_failures: int  # this lane's failures within LANE_WINDOW
    last_lane_failure_at: datetime | None
    account_failures: int  # the account's failures within ACCOUNT_WINDOW (every lane)
    oldest_account_failure_at: datetime | None  # the oldest of those
    address_failures: int  # the client address's failures within ADDRESS_WINDOW
    oldest_address_failure_at: datetime | None
    global_failures: int  # every failure within GLOBAL_WINDOW


@dataclass(frozen=True)
class LoginDecision:
    allowed: bool
    captcha_required: bool = False
    wait_seconds: int = 0  # allowed is False: how long until an attempt may go ahead
    refusal: str = ""  # allowed is False: what the person is told


def lane_wait(failures: int) -> timedelta:
    """How long the untrusted lane waits after its last failure: none before the fifth,
    then one minute, two, ... up to 15 minutes."""
    if failures < WAIT_AFTER_LANE_FAILURES:
        return timedelta(0)
    return min(WAIT_STEP * (failures - WAIT_AFTER_LANE_FAILURES + 1), MAX_WAIT)


def wait_message(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    if minutes and rest:
        return f"登入失敗次數過多，請於 {minutes} 分 {rest} 秒後再試"
    if minutes:
        return f"登入失敗次數過多，請於 {minutes} 分鐘後再試"
    return f"登入失敗次數過多，請於 {seconds} 秒後再試"


def _until(now: datetime, moment: datetime) -> int:
    return max(1, int((moment - now).total_seconds() + 0.999))


def decide(counts: LoginCounts, now: datetime) -> LoginDecision:
    """May this attempt check its password, and must it carry a solved captcha?"""
    if counts.trusted_device:
        # The owner's known browser: others' failures never refuse it; its own (fewer
        # than DEVICE_FAILURES_DISTRUSTED) only slow it down like any lane would.
        return _lane(counts, now, captcha_also=False)
    if counts.account_failures >= ACCOUNT_FAILURES_PER_HOUR:
        oldest = counts.oldest_account_failure_at or now
        return LoginDecision(
            False, wait_seconds=_until(now, oldest + ACCOUNT_WINDOW), refusal=ACCOUNT_BUSY
        )
    if counts.address_failures >= ADDRESS_FAILURES_PER_HOUR:
        oldest = counts.oldest_address_failure_at or now
        return LoginDecision(
            False, wait_seconds=_until(now, oldest + ADDRESS_WINDOW), refusal=ADDRESS_BUSY
        )
    under_attack = (
        counts.account_failures >= CAPTCHA_AFTER_ACCOUNT_FAILURES
        or counts.address_failures >= CAPTCHA_AFTER_ADDRESS_FAILURES
        or counts.global_failures >= CAPTCHA_AFTER_GLOBAL_FAILURES
    )
    return _lane(counts, now, captcha_also=under_attack)


def _lane(counts: LoginCounts, now: datetime, *, captcha_also: bool) -> LoginDecision:
    wait = lane_wait(counts.lane_failures)
    if wait and counts.last_lane_failure_at is not None:
        ready_at = counts.last_lane_failure_at + wait
        if ready_at > now:
            seconds = _until(now, ready_at)
            return LoginDecision(False, wait_seconds=seconds, refusal=wait_message(seconds))
    captcha = not counts.trusted_device and (
        captcha_also or counts.lane_failures >= CAPTCHA_AFTER_LANE_FAILURES
    )
    return LoginDecision(True, captcha_required=captcha)


def owner_to_be_warned(account_failures_after: int) -> bool:
    """Did this failure bring the account's hourly count to a level its owner is told of?"""
    return account_failures_after in OWNER_WARNED_AT


def device_still_trusted(device_failures: int) -> bool:
    return device_failures < DEVICE_FAILURES_DISTRUSTED

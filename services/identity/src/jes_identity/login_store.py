"""Login records, trusted devices and login challenges in identity's database: the counts
the brute-force rules (domain.login_guard) decide on, and what the owner is shown."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from jes_db import utcnow
from jes_identity.domain import login_guard
from jes_identity.domain.captcha import CHALLENGE_TTL, answer_matches, new_digits
from jes_identity.models import Account, LoginChallenge, LoginRecord, TrustedDevice

LOGIN = "login"
PASSWORD_CHANGE = "password_change"  # noqa: S105 (a record kind, not a secret)
BINDING = "binding"  # another account's password proving control of it (帳號綁定)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# -- trusted devices --------------------------------------------------------------------------


def trusted_device(
    session: Session, account: Account | None, raw_token: str
) -> TrustedDevice | None:
    """The device the token names, when it is one of this account's."""
    if account is None or not raw_token:
        return None
    device = session.scalar(
        select(TrustedDevice).where(TrustedDevice.token_hash == digest(raw_token))
    )
    if device is None or device.account_id != account.id:
        return None
    return device


def new_device(
    session: Session, account: Account, client_address: str
) -> tuple[TrustedDevice, str]:
    """A device for `account` and its raw token (only the token's hash is kept)."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    device = TrustedDevice(
        account_id=account.id,
        token_hash=digest(raw),
        created_at=now,
        last_used_at=now,
        client_address=client_address,
    )
    session.add(device)
    session.flush()
    return device, raw


def has_devices(session: Session, account: Account) -> bool:
    found = session.scalar(select(TrustedDevice.id).where(TrustedDevice.account_id == account.id))
    return found is not None


# -- counting failures --------------------------------------------------------------------------


def _count(
    session: Session, *conditions: ColumnElement[bool]
) -> tuple[int, datetime | None, datetime | None]:
    """How many wrong passwords match, the oldest and the newest."""
    row = session.execute(
        select(func.count(), func.min(LoginRecord.at), func.max(LoginRecord.at)).where(
            LoginRecord.success.is_(False), LoginRecord.refused.is_(False), *conditions
        )
    ).one()
    return int(row[0] or 0), row[1], row[2]


def login_counts(
    session: Session,
    account_id: str,
    account: Account | None,
    client_address: str,
    device: TrustedDevice | None,
    now: datetime,
) -> login_guard.LoginCounts:
    """The counts one login attempt is decided on. A password set through a link clears
    the account's earlier failures (they stay recorded, for the owner to see)."""
    cleared = account.failures_cleared_at if account else None

    def since(window_start: datetime) -> datetime:
        return max(window_start, cleared) if cleared else window_start

    logins = LoginRecord.kind == LOGIN
    lane_since = since(now - login_guard.LANE_WINDOW)
    trusted = False
    if device is not None:
        device_failures, _, last_device = _count(
            session, logins, LoginRecord.device_id == device.id, LoginRecord.at >= lane_since
        )
        trusted = login_guard.device_still_trusted(device_failures)
    if trusted:
        lane, last_lane = device_failures, last_device
    else:
        lane, _, last_lane = _count(
            session,
            logins,
            LoginRecord.account_id == account_id,
            LoginRecord.client_address == client_address,
            LoginRecord.device_id == "",
            LoginRecord.at >= lane_since,
        )
    account_failures, oldest_account, _ = _count(
        session,
        logins,
        LoginRecord.account_id == account_id,
        LoginRecord.at >= since(now - login_guard.ACCOUNT_WINDOW),
    )
    address_failures, oldest_address, _ = (0, None, None)
    if client_address:
        address_failures, oldest_address, _ = _count(
            session,
            logins,
            LoginRecord.client_address == client_address,
            LoginRecord.at >= now - login_guard.ADDRESS_WINDOW,
        )
    global_failures, _, _ = _count(
        session, logins, LoginRecord.at >= now - login_guard.GLOBAL_WINDOW
    )
    return login_guard.LoginCounts(
        trusted_device=trusted,
        lane_failures=lane,
        last_lane_failure_at=last_lane,
        account_failures=account_failures,
        oldest_account_failure_at=oldest_account,
        address_failures=address_failures,
        oldest_address_failure_at=oldest_address,
        global_failures=global_failures,
    )


def account_failures_last_hour(session: Session, account_id: str, account: Account | None) -> int:
    now = utcnow()
    start = now - login_guard.ACCOUNT_WINDOW
    if account is not None and account.failures_cleared_at and account.failures_cleared_at > start:
        start = account.failures_cleared_at
    count, _, _ = _count(
        session,
        LoginRecord.kind == LOGIN,
        LoginRecord.account_id == account_id,
        LoginRecord.at >= start,
    )
    return count


def record_attempt(
    session: Session,
    account_id: str,
    *,
    success: bool,
    client_address: str = "",
    refused: bool = False,
    device_id: str = "",
    kind: str = LOGIN,
) -> None:
    session.add(
        LoginRecord(
            account_id=account_id,
            success=success,
            at=utcnow(),
            client_address=client_address,
            refused=refused,
            device_id=device_id,
            kind=kind,
        )
    )


def recent_attempts(session: Session, account_id: str, limit: int) -> list[LoginRecord]:
    return list(
        session.scalars(
            select(LoginRecord)
            .where(LoginRecord.account_id == account_id)
            .order_by(LoginRecord.at.desc())
            .limit(limit)
        )
    )


# -- login challenges (captcha) ----------------------------------------------------------------


def new_challenge(session: Session) -> tuple[LoginChallenge, str]:
    """A challenge and its digits (only a hash of id and digits is kept). Expired ones
    are swept on the way."""
    now = utcnow()
    session.execute(delete(LoginChallenge).where(LoginChallenge.expires_at < now))
    digits = new_digits()
    challenge = LoginChallenge(
        id=secrets.token_urlsafe(18),
        answer_hash="",
        created_at=now,
        expires_at=now + CHALLENGE_TTL,
    )
    challenge.answer_hash = digest(f"{challenge.id}:{digits}")
    session.add(challenge)
    return challenge, digits


def solve_challenge(session: Session, challenge_id: str, answer: str) -> bool:
    """Whether `answer` solves the challenge. Any try uses it up: a wrong answer needs a
    new challenge, so one image cannot be guessed at."""
    if not challenge_id:
        return False
    challenge = session.get(LoginChallenge, challenge_id, with_for_update=True)
    now = utcnow()
    if challenge is None or challenge.used_at is not None or challenge.expires_at <= now:
        return False
    challenge.used_at = now
    expected = challenge.answer_hash
    return answer_matches(answer) and hmac.compare_digest(
        expected, digest(f"{challenge.id}:{answer.strip()}")
    )

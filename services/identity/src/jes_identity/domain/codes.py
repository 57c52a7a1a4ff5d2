"""E-mail verification codes: 6 digits mailed to an address, proving the person who
types them back reads that mailbox. How long a code lives, how often it may be tried
and sent, and what the answers are; the codes themselves are kept (hashed) by
jes_identity.codes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from jes_domain import FailedPrecondition, InvalidArgument, ResourceExhausted
from jes_identity.domain.validation import BAD_INPUT


class CodePurpose(StrEnum):
    REGISTRATION = "registration"  # a registration's first e-mail (no account yet)
    EMAIL_CHANGE = "email_change"  # a signed-in account's new address
    ACCOUNT_BINDING = "account_binding"  # proves control of the account to bind


CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_CODE_ATTEMPTS = 5
RESEND_INTERVAL = timedelta(seconds=60)
# Codes mailed within an hour: per subject (account or registration) and purpose, and per
# address whoever asks (an address anyone can type must not be flooded).
SENDS_PER_HOUR_PER_SUBJECT = 5
SENDS_PER_HOUR_PER_ADDRESS = 10
SEND_WINDOW = timedelta(hours=1)

REGISTRATION_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CODE = re.compile(rf"^[0-9]{{{CODE_DIGITS}}}$")

NO_CODE = "請先發送認證碼"
CODE_EXPIRED = "認證碼已過期，請重新發送認證碼"
CODE_USED_UP = "認證碼錯誤次數過多，請重新發送認證碼"
TOO_MANY_CODES = "認證碼發送次數過多，請 1 小時後再試"


def wrong_code(tries_left: int) -> str:
    if tries_left <= 0:
        return CODE_USED_UP
    return f"認證碼不正確，還可再試 {tries_left} 次"


def resend_wait_message(seconds: int) -> str:
    return f"認證碼已寄出，請於 {seconds} 秒後再重新發送"


@dataclass(frozen=True)
class Subject:
    """Whom a code is for: an account (its id), or a registration not yet an account."""

    account_id: str = ""
    registration_id: str = ""

    def __post_init__(self) -> None:
        if bool(self.account_id) == bool(self.registration_id):
            raise ValueError("a code is for exactly one account or one registration")


def registration_subject(registration_id: str) -> Subject:
    """A registration's id as the registering flow chose it: unguessable, so nobody else
    can verify (or read the state of) its codes."""
    registration_id = registration_id.strip()
    if not REGISTRATION_ID.match(registration_id):
        raise InvalidArgument(BAD_INPUT, fields={"registration_id": "註冊識別碼格式不正確"})
    return Subject(registration_id=registration_id)


def purpose_fits(purpose: CodePurpose, subject: Subject) -> bool:
    """Registrations verify their first address; the other purposes are an account's."""
    return (purpose == CodePurpose.REGISTRATION) == bool(subject.registration_id)


def typed_code_problem(code: str) -> str | None:
    if not code.strip():
        return "請輸入認證碼"
    if not CODE.match(code.strip()):
        return f"認證碼為 {CODE_DIGITS} 位數字"
    return None


def check_send(
    *,
    last_sent_at: datetime | None,
    sent_for_subject: int,
    sent_to_address: int,
    now: datetime,
) -> None:
    """ResourceExhausted unless another code may be mailed now: not within RESEND_INTERVAL
    of the last one for the same subject and purpose, and within the hourly caps."""
    if last_sent_at is not None and now < last_sent_at + RESEND_INTERVAL:
        wait = int((last_sent_at + RESEND_INTERVAL - now).total_seconds()) + 1
        raise ResourceExhausted(resend_wait_message(wait))
    if (
        sent_for_subject >= SENDS_PER_HOUR_PER_SUBJECT
        or sent_to_address >= SENDS_PER_HOUR_PER_ADDRESS
    ):
        raise ResourceExhausted(TOO_MANY_CODES)


def check_live(*, attempts: int, expires_at: datetime, now: datetime) -> None:
    """FailedPrecondition unless the code may still be tried."""
    if attempts >= MAX_CODE_ATTEMPTS:
        raise FailedPrecondition(CODE_USED_UP)
    if expires_at <= now:
        raise FailedPrecondition(CODE_EXPIRED)


def resend_after(sent_at: datetime, now: datetime) -> int:
    """Seconds until a new code may be asked for (0: now)."""
    return max(0, int((sent_at + RESEND_INTERVAL - now).total_seconds()))

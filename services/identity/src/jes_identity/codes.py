"""E-mail verification codes kept in identity's database: only their salted hash, the
code itself made when the mail is sent (the rules are in jes_identity.domain.codes)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from jes_db import new_id, utcnow
from jes_domain import FailedPrecondition, NotFound
from jes_identity.domain.codes import (
    CODE_DIGITS,
    CODE_TTL,
    MAX_CODE_ATTEMPTS,
    NO_CODE,
    SEND_WINDOW,
    CodePurpose,
    Subject,
    check_live,
    check_send,
    wrong_code,
)
from jes_identity.models import EmailCode

# How long a verified registration address stays usable by the registration that
# verified it (the rest of the form may take a while).
VERIFIED_ADDRESS_TTL = timedelta(hours=1)
NOT_VERIFIED = "請先完成電子郵件認證"


def code_hash(code_id: str, code: str) -> str:
    """Salted with the row's id, so equal codes never hash alike."""
    return hashlib.sha256(f"{code_id}:{code}".encode()).hexdigest()


def random_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _of_subject(subject: Subject, purpose: CodePurpose) -> Select[EmailCode]:
    query = select(EmailCode).where(EmailCode.purpose == str(purpose))
    if subject.account_id:
        return query.where(EmailCode.account_id == subject.account_id)
    return query.where(EmailCode.registration_id == subject.registration_id)


def create_code(session: Session, subject: Subject, purpose: CodePurpose, email: str) -> EmailCode:
    """A new code for (subject, purpose) to `email`, if another may be sent now; the
    earlier live code of the same subject and purpose stops working. Like a one-time link
    it has no usable code until the mail is sent (`issue_code`)."""
    now = utcnow()
    since = now - SEND_WINDOW
    last_sent_at = session.scalar(
        _of_subject(subject, purpose)
        .with_only_columns(func.max(EmailCode.created_at))
        .where(EmailCode.created_at >= since)
    )
    sent_for_subject = session.scalar(
        _of_subject(subject, purpose)
        .with_only_columns(func.count())
        .where(EmailCode.created_at >= since)
    )
    sent_to_address = session.scalar(
        select(func.count())
        .select_from(EmailCode)
        .where(EmailCode.email == email, EmailCode.created_at >= since)
    )
    check_send(
        last_sent_at=last_sent_at,
        sent_for_subject=sent_for_subject or 0,
        sent_to_address=sent_to_address or 0,
        now=now,
    )
    for earlier in session.scalars(_live(subject, purpose)):
        earlier.retired_at = now
    code_id = new_id()
    code = EmailCode(
        id=code_id,
        purpose=str(purpose),
        account_id=subject.account_id or None,
        registration_id=subject.registration_id,
        email=email,
        code_hash=code_hash(code_id, secrets.token_hex(16)),  # no code matches it yet
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    session.add(code)
    return code


def _live(subject: Subject, purpose: CodePurpose) -> Select[EmailCode]:
    return _of_subject(subject, purpose).where(
        EmailCode.retired_at.is_(None), EmailCode.verified_at.is_(None)
    )


def issue_code(session: Session, code_id: str) -> tuple[str, datetime]:
    """A fresh code for the mail being sent (only its hash kept) and when it expires;
    the code's earlier value stops working. A used, replaced or expired code gets none."""
    row = session.get(EmailCode, code_id, with_for_update=True)
    if row is None:
        raise NotFound(NO_CODE)
    if row.retired_at is not None or row.verified_at is not None:
        raise FailedPrecondition(NO_CODE)
    check_live(attempts=row.attempts, expires_at=row.expires_at, now=utcnow())
    raw = random_code()
    row.code_hash = code_hash(row.id, raw)
    return raw, row.expires_at


def try_code(
    session: Session, subject: Subject, purpose: CodePurpose, email: str, typed: str
) -> EmailCode | str:
    """The live code of (subject, purpose) to `email`, checked against `typed`: the code,
    now verified, or the problem to show (a wrong try is counted in this transaction, so
    the caller commits before raising). No live code, an expired or used-up one:
    FailedPrecondition, nothing changed."""
    now = utcnow()
    row = session.scalar(
        _live(subject, purpose).order_by(EmailCode.created_at.desc()).limit(1).with_for_update()
    )
    if row is None or row.email != email:
        raise FailedPrecondition(NO_CODE)
    check_live(attempts=row.attempts, expires_at=row.expires_at, now=now)
    if hmac.compare_digest(row.code_hash, code_hash(row.id, typed.strip())):
        row.verified_at = now
        return row
    row.attempts += 1
    if row.attempts >= MAX_CODE_ATTEMPTS:
        row.retired_at = now
    return wrong_code(MAX_CODE_ATTEMPTS - row.attempts)


def consume_verified(
    session: Session, subject: Subject, purpose: CodePurpose, email: str
) -> EmailCode:
    """Use up the verification of `email` for (subject, purpose): a code verified within
    VERIFIED_ADDRESS_TTL and not used before. FailedPrecondition when there is none."""
    now = utcnow()
    row = session.scalar(
        _of_subject(subject, purpose)
        .where(
            EmailCode.email == email,
            EmailCode.verified_at >= now - VERIFIED_ADDRESS_TTL,
            EmailCode.consumed_at.is_(None),
        )
        .order_by(EmailCode.verified_at.desc())
        .limit(1)
        .with_for_update()
    )
    if row is None:
        raise FailedPrecondition(NOT_VERIFIED, fields={"email": NOT_VERIFIED})
    row.consumed_at = now
    return row

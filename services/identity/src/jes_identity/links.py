"""One-time set-password links and the rate limit of the forgot-password/account mails,
kept in identity's database (the rules are in jes_identity.domain.links and .limits)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from jes_db import utcnow
from jes_domain import ResourceExhausted
from jes_identity.domain.limits import limit_reached
from jes_identity.domain.links import LinkPurpose
from jes_identity.models import Account, PasswordToken, RateLimitHit


def token_hash(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def create_link(
    session: Session, account: Account, purpose: LinkPurpose, ttl: timedelta
) -> tuple[str, datetime]:
    """A new one-time token for `account`; returns the raw token (to mail, never stored)
    and when it expires."""
    raw = secrets.token_urlsafe(32)
    expires_at = utcnow() + ttl
    session.add(
        PasswordToken(
            account_id=account.id,
            purpose=str(purpose),
            token_hash=token_hash(raw),
            created_at=utcnow(),
            expires_at=expires_at,
        )
    )
    return raw, expires_at


def find_link(session: Session, raw_token: str) -> PasswordToken | None:
    """The link a raw token stands for, locked for this transaction."""
    return session.scalar(
        select(PasswordToken)
        .where(PasswordToken.token_hash == token_hash(raw_token))
        .with_for_update()
    )


def retire_links(session: Session, account: Account, purpose: LinkPurpose | None = None) -> None:
    """Mark the account's unused links (of one purpose, or all) as used: a newer link or
    a new password makes them worthless."""
    query = select(PasswordToken).where(
        PasswordToken.account_id == account.id, PasswordToken.used_at.is_(None)
    )
    if purpose:
        query = query.where(PasswordToken.purpose == str(purpose))
    for link in session.scalars(query):
        link.used_at = utcnow()


class RateLimit:
    """At most `limit` requests per key within `window`, counted in the database."""

    def __init__(self, limit: int, window: timedelta, message: str):
        self.limit = limit
        self.window = window
        self.message = message

    def hit(self, session: Session, keys: Iterable[str]) -> None:
        """Count one request against every key, or raise if any key is used up (then
        nothing is counted)."""
        since = utcnow() - self.window
        hashes = [hashlib.sha256(key.encode()).hexdigest() for key in keys]
        for key_hash in hashes:
            # old hits of this key are of no further use
            session.execute(
                delete(RateLimitHit).where(
                    RateLimitHit.key_hash == key_hash, RateLimitHit.at < since
                )
            )
            count = session.scalar(
                select(func.count())
                .select_from(RateLimitHit)
                .where(RateLimitHit.key_hash == key_hash, RateLimitHit.at >= since)
            )
            if limit_reached(count or 0, self.limit):
                raise ResourceExhausted(self.message)
        for key_hash in hashes:
            session.add(RateLimitHit(key_hash=key_hash, at=utcnow()))

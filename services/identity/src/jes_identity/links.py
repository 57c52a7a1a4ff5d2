"""One-time set-password links and the rate limit of the forgot-password/account mails,
kept in identity's database (the rules are in jes_identity.domain.links and .limits)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from jes_db import new_id, utcnow
from jes_domain import NotFound, ResourceExhausted
from jes_identity.domain.accounts import ACTIVE
from jes_identity.domain.limits import limit_reached
from jes_identity.domain.links import LINK_INVALID, LinkPurpose, check_link
from jes_identity.models import Account, PasswordToken, RateLimitHit


def token_hash(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def create_link(
    session: Session, account: Account, purpose: LinkPurpose, ttl: timedelta
) -> PasswordToken:
    """A new one-time link for `account`, expiring after `ttl`. It has no usable token
    yet (the hash of one that is dropped at once): the token is made when the mail is
    sent (`issue_token`), so the raw token is never in an event or a delivery row."""
    now = utcnow()
    link = PasswordToken(
        id=new_id(),
        account_id=account.id,
        purpose=str(purpose),
        token_hash=token_hash(secrets.token_urlsafe(32)),
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(link)
    return link


def issue_token(session: Session, link_id: str) -> tuple[str, datetime]:
    """A fresh raw token for the link (returned to be mailed, only its hash kept) and
    when the link expires. The link's earlier token stops working: it was never mailed,
    or its mail is being sent again. A used or expired link gets none."""
    link = session.get(PasswordToken, link_id, with_for_update=True)
    account = session.get(Account, link.account_id) if link else None
    if link is None or account is None:
        raise NotFound(LINK_INVALID)
    check_link(
        used=link.used_at is not None,
        account_active=account.status == ACTIVE,
        expires_at=link.expires_at,
        now=utcnow(),
    )
    raw = secrets.token_urlsafe(32)
    link.token_hash = token_hash(raw)
    return raw, link.expires_at


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

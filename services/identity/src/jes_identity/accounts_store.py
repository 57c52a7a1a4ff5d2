"""Queries on accounts and login records that more than one use case needs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from jes_db import utcnow
from jes_identity.domain.accounts import ACTIVE, firm_account_prefix, normalize_account_id
from jes_identity.domain.limits import failures_count_since
from jes_identity.models import Account, LoginRecord


def account_by_login_name(session: Session, account_id: str) -> Account | None:
    return session.scalar(select(Account).where(Account.account_id == account_id))


def account_by_name_or_id(session: Session, wanted: str) -> Account | None:
    """Other services know an account by its login name or by the token subject (id)."""
    return session.scalar(
        select(Account).where(
            or_(Account.account_id == normalize_account_id(wanted), Account.id == wanted)
        )
    )


def recent_failed_logins(
    session: Session, account_id: str, account: Account | None, client_address: str | None = None
) -> int:
    """Failures of a login name that count toward the lockout: from one client address,
    or (None) from anywhere, for a signed-in user's own password checks."""
    since = failures_count_since(utcnow(), account.failures_cleared_at if account else None)
    return count_failed_logins(session, account_id, since, client_address)


def count_failed_logins(
    session: Session, account_id: str, since: datetime, client_address: str | None = None
) -> int:
    query = (
        select(func.count())
        .select_from(LoginRecord)
        .where(
            LoginRecord.account_id == account_id,
            LoginRecord.success.is_(False),
            LoginRecord.at >= since,
        )
    )
    if client_address is not None:
        query = query.where(LoginRecord.client_address == client_address)
    return session.scalar(query) or 0


def record_login(
    session: Session, account_id: str, success: bool, client_address: str = ""
) -> None:
    session.add(
        LoginRecord(
            account_id=account_id, success=success, at=utcnow(), client_address=client_address
        )
    )


def firm_account_ids(session: Session, court_code: str) -> list[str]:
    """The ids already given to the court's firm accounts (the next one follows them)."""
    prefix = firm_account_prefix(court_code)
    return list(
        session.scalars(select(Account.account_id).where(Account.account_id.like(f"{prefix}%")))
    )


def active_account_ids_with_email(session: Session, email: str) -> list[str]:
    return list(
        session.scalars(
            select(Account.account_id)
            .where(func.lower(Account.email) == email, Account.status == ACTIVE)
            .order_by(Account.account_id)
        )
    )

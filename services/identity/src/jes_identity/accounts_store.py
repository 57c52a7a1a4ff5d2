"""Queries on accounts and login records that more than one use case needs."""

from __future__ import annotations

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


def recent_password_change_failures(
    session: Session, account: Account, kind: str = "password_change"
) -> int:
    """A signed-in user's wrong passwords of one `kind` (ChangePassword's current password,
    or "binding": another account's password proving control of it) that count toward a
    short lock of that action alone. Failed logins from anywhere do not: others' guessing
    must never stop the owner."""
    since = failures_count_since(utcnow(), account.failures_cleared_at)
    query = (
        select(func.count())
        .select_from(LoginRecord)
        .where(
            LoginRecord.account_id == account.account_id,
            LoginRecord.success.is_(False),
            LoginRecord.kind == kind,
            LoginRecord.at >= since,
        )
    )
    return session.scalar(query) or 0


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

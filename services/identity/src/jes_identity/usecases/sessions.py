"""Server-side sessions: what a successful login creates (a session and its first access
token), refreshing an active session's access token (activity extends it), logging
out, the caller's list of sessions and signing out everywhere; and ending every other
session of an account when its password changes (jes_identity.domain.sessions)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from jes_auth import TokenIssuer
from jes_db import new_id, utcnow
from jes_domain import InvalidArgument, NotFound, Unauthenticated
from jes_identity.domain import access
from jes_identity.domain.access import Caller
from jes_identity.domain.accounts import ACTIVE
from jes_identity.domain.audit_actions import ACCOUNT_SESSIONS_ENDED
from jes_identity.domain.sessions import (
    ABSOLUTE_LIFETIME,
    ACCESS_TOKEN_TTL,
    IDLE_TIMEOUT,
    SESSION_UNKNOWN,
    USER_AGENT_MAX,
    EndReason,
    check_active,
    idle_expires_at,
    split_session_token,
)
from jes_identity.domain.validation import BAD_INPUT
from jes_identity.messages import actor_of_account
from jes_identity.models import Account, LoginSession, audit_log
from jes_identity.usecases.common import Infrastructure


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class SessionStart:
    """A new session: its token (for the gateway to keep) and its id."""

    token: str
    session_id: str
    idle_expires_at: datetime
    absolute_expires_at: datetime


@dataclass(frozen=True)
class ActiveSession:
    """An active session with a fresh access token."""

    access_token: str
    expires_in_seconds: int
    session_id: str
    idle_expires_at: datetime
    absolute_expires_at: datetime
    account: Account


def start_session(
    session: Session,
    account: Account,
    client_address: str,
    user_agent: str,
    idle: timedelta = IDLE_TIMEOUT,
) -> SessionStart:
    """What a successful login creates, in the login's transaction (password, certificate
    or single sign-on logins all call this). `idle`: the installation's idle timeout."""
    now = utcnow()
    secret = secrets.token_urlsafe(32)
    row = LoginSession(
        id=new_id(),
        account_id=account.id,
        secret_hash=secret_hash(secret),
        created_at=now,
        last_activity_at=now,
        absolute_expires_at=now + ABSOLUTE_LIFETIME,
        idle_seconds=int(idle.total_seconds()),
        client_address=client_address.strip()[:64],
        user_agent=user_agent.strip()[:USER_AGENT_MAX],
    )
    session.add(row)
    return SessionStart(
        token=f"{row.id}.{secret}",
        session_id=row.id,
        idle_expires_at=idle_expires_at(now, row.absolute_expires_at, idle),
        absolute_expires_at=row.absolute_expires_at,
    )


def issue_access_token(issuer: TokenIssuer, account: Account, session_id: str) -> str:
    return issuer.issue(
        account.id,
        roles=account.role_list,
        court_code=account.court_code,
        name=account.display_name,
        username=account.account_id,
        ttl=ACCESS_TOKEN_TTL,
        session_id=session_id,
    )


def active_sessions(session: Session, account_id: str) -> list[LoginSession]:
    """The account's sessions not ended, not idle and not expired, newest activity first."""
    now = utcnow()
    rows = session.scalars(
        select(LoginSession)
        .where(
            LoginSession.account_id == account_id,
            LoginSession.ended_at.is_(None),
            LoginSession.absolute_expires_at > now,
        )
        .order_by(LoginSession.last_activity_at.desc())
    ).all()
    return [r for r in rows if session_idle_expires_at(r) > now]


def session_idle_expires_at(row: LoginSession) -> datetime:
    return idle_expires_at(
        row.last_activity_at, row.absolute_expires_at, timedelta(seconds=row.idle_seconds)
    )


def end_sessions(
    session: Session, account_id: str, reason: EndReason, keep_session_id: str = ""
) -> int:
    """End every open session of the account but `keep_session_id`; how many ended."""
    now = utcnow()
    query = select(LoginSession).where(
        LoginSession.account_id == account_id, LoginSession.ended_at.is_(None)
    )
    ended = 0
    for row in session.scalars(query):
        if row.id == keep_session_id:
            continue
        row.ended_at = now
        row.end_reason = str(reason)
        ended += 1
    return ended


class AccountSessions:
    def __init__(self, infra: Infrastructure, issuer: TokenIssuer):
        self.infra = infra
        self.issuer = issuer

    def _by_token(self, session: Session, session_token: str) -> LoginSession:
        parts = split_session_token(session_token)
        row = session.get(LoginSession, parts[0], with_for_update=True) if parts else None
        if (
            parts is None
            or row is None
            or not hmac.compare_digest(row.secret_hash, secret_hash(parts[1]))
        ):
            raise Unauthenticated(SESSION_UNKNOWN)
        return row

    def refresh(self, session_token: str, touch: bool, client_address: str = "") -> ActiveSession:
        """A fresh access token for an active session; `touch`: the user is active, so
        the idle timeout starts again."""
        now = utcnow()
        with self.infra.db.transaction() as session:
            row = self._by_token(session, session_token)
            check_active(
                ended_at=row.ended_at,
                last_activity_at=row.last_activity_at,
                absolute_expires_at=row.absolute_expires_at,
                now=now,
                idle=timedelta(seconds=row.idle_seconds),
            )
            account = session.get(Account, row.account_id)
            if account is None or account.status != ACTIVE:  # disabled since the login
                raise Unauthenticated(SESSION_UNKNOWN)
            if touch:
                row.last_activity_at = now
                if client_address.strip():
                    row.client_address = client_address.strip()[:64]
            return ActiveSession(
                access_token=issue_access_token(self.issuer, account, row.id),
                expires_in_seconds=int(ACCESS_TOKEN_TTL.total_seconds()),
                session_id=row.id,
                idle_expires_at=session_idle_expires_at(row),
                absolute_expires_at=row.absolute_expires_at,
                account=account,
            )

    def end(self, session_token: str) -> None:
        """Log out: the session ends (an unknown or ended one: nothing to do)."""
        with self.infra.db.transaction() as session:
            try:
                row = self._by_token(session, session_token)
            except Unauthenticated:
                return
            if row.ended_at is None:
                row.ended_at, row.end_reason = utcnow(), str(EndReason.LOGOUT)

    def list_mine(self, caller: Caller) -> list[tuple[LoginSession, bool]]:
        """The caller's active sessions, each with whether it is the caller's own."""
        access.require_user(caller)
        current = getattr(caller, "session_id", "")
        with self.infra.db.transaction() as session:
            rows = active_sessions(session, caller.subject)
            session.expunge_all()
        return [(row, row.id == current) for row in rows]

    def end_mine(self, caller: Caller, session_id: str, everywhere: bool) -> int:
        """End one of the caller's sessions, or every one (登出所有裝置); audited."""
        access.require_user(caller)
        session_id = session_id.strip()
        if not everywhere and not session_id:
            raise InvalidArgument(BAD_INPUT, fields={"session_id": "請指定要登出的裝置"})
        with self.infra.db.transaction() as session:
            account = session.get(Account, caller.subject)
            if account is None:
                raise Unauthenticated(SESSION_UNKNOWN)
            if everywhere:
                ended = end_sessions(session, account.id, EndReason.SIGNED_OUT)
            else:
                row = session.get(LoginSession, session_id)
                if row is None or row.account_id != account.id or row.ended_at is not None:
                    raise NotFound("查無此登入裝置")
                row.ended_at, row.end_reason = utcnow(), str(EndReason.SIGNED_OUT)
                ended = 1
            audit_log.record(
                session,
                actor_of_account(account),
                ACCOUNT_SESSIONS_ENDED,
                subject_type="account",
                subject_id=account.account_id,
                court_code=account.court_code,
                after={"everywhere": everywhere, "ended": ended},
            )
            return ended

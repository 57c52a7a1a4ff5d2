"""Server-side sessions: what a successful login creates (a session and its first access
token), refreshing an active session's access token (activity extends it), logging
out, the caller's list of sessions and signing out everywhere; and ending every other
session of an account when its password changes (jes_identity.domain.sessions)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
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
    ACCESS_TOKEN_REUSE_MIN_LEFT,
    ACCESS_TOKEN_TTL,
    IDLE_TIMEOUT,
    SESSION_UNKNOWN,
    USER_AGENT_MAX,
    EndReason,
    activity_due,
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
class SessionAccount:
    """What a session's refresh needs of its account (read as a plain row, not an ORM
    object: RefreshSession runs on every page)."""

    id: str
    account_id: str
    display_name: str
    roles: str
    court_code: str
    sign_in_provider: str
    status: str

    @property
    def role_list(self) -> list[str]:
        return self.roles.split()


@dataclass(frozen=True)
class ActiveSession:
    """An active session with a fresh access token."""

    access_token: str
    expires_in_seconds: int
    session_id: str
    idle_expires_at: datetime
    absolute_expires_at: datetime
    account: SessionAccount


# The columns RefreshSession reads: the session's, then its account's.
_REFRESH_COLUMNS = (
    LoginSession.id,
    LoginSession.secret_hash,
    LoginSession.last_activity_at,
    LoginSession.absolute_expires_at,
    LoginSession.idle_seconds,
    LoginSession.client_address,
    LoginSession.ended_at,
    Account.id,
    Account.account_id,
    Account.display_name,
    Account.roles,
    Account.court_code,
    Account.sign_in_provider,
    Account.status,
)
# built once (building it and its cache key was a fifth of RefreshSession's CPU), run on
# the session's connection (no ORM statement handling)
_REFRESH_QUERY = (
    select(*_REFRESH_COLUMNS)
    .join(Account, Account.id == LoginSession.account_id)
    .where(LoginSession.id == bindparam("session_id"))
)


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


def issue_access_token(
    issuer: TokenIssuer, account: Account | SessionAccount, session_id: str
) -> str:
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


class IssuedTokens:
    """The access token last signed for each session, in this process's memory only, so
    that a page a second does not sign a token a second: handed back while it has more
    than ACCESS_TOKEN_REUSE_MIN_LEFT to live and carries the account's current claims
    (a changed role or name signs a new one). Whether the session is still active is
    never taken from here: RefreshSession checks it in the database first."""

    LIMIT = 20_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[tuple[object, ...], str, float]] = {}

    @staticmethod
    def claims_of(account: Account | SessionAccount) -> tuple[object, ...]:
        return (
            account.id,
            tuple(sorted(account.role_list)),
            account.court_code,
            account.display_name,
            account.account_id,
        )

    def get(self, session_id: str, account: Account | SessionAccount) -> tuple[str, int] | None:
        """The session's token and its seconds left, when still worth handing back."""
        with self._lock:
            found = self._tokens.get(session_id)
        if found is None:
            return None
        claims, token, expires = found
        left = expires - time.time()
        if claims != self.claims_of(account) or left <= ACCESS_TOKEN_REUSE_MIN_LEFT.total_seconds():
            return None
        return token, int(left)

    def put(
        self, session_id: str, account: Account | SessionAccount, token: str, expires: float
    ) -> None:
        with self._lock:
            if len(self._tokens) >= self.LIMIT:
                now = time.time()
                self._tokens = {k: v for k, v in self._tokens.items() if v[2] > now}
                if len(self._tokens) >= self.LIMIT:
                    self._tokens.clear()
            self._tokens[session_id] = (self.claims_of(account), token, expires)

    def forget(self, session_id: str) -> None:
        with self._lock:
            self._tokens.pop(session_id, None)


class AccountSessions:
    def __init__(self, infra: Infrastructure, issuer: TokenIssuer):
        self.infra = infra
        self.issuer = issuer
        self.tokens = IssuedTokens()

    def _by_token(
        self, session: Session, session_token: str, for_update: bool = True
    ) -> LoginSession:
        parts = split_session_token(session_token)
        row = session.get(LoginSession, parts[0], with_for_update=for_update) if parts else None
        if (
            parts is None
            or row is None
            or not hmac.compare_digest(row.secret_hash, secret_hash(parts[1]))
        ):
            raise Unauthenticated(SESSION_UNKNOWN)
        return row

    def _with_account(self, session: Session, session_token: str) -> tuple[Any, SessionAccount]:
        """The token's session and its account, in one statement read as a plain row (no
        row lock, no ORM objects)."""
        parts = split_session_token(session_token)
        found = (
            session.connection().execute(_REFRESH_QUERY, {"session_id": parts[0]}).one_or_none()
            if parts
            else None
        )
        if (
            parts is None
            or found is None
            or not hmac.compare_digest(found[1], secret_hash(parts[1]))
        ):
            raise Unauthenticated(SESSION_UNKNOWN)
        values: tuple[Any, ...] = tuple(found)
        return found, SessionAccount(*values[7:])

    def _access_token(self, account: SessionAccount, session_id: str) -> tuple[str, int]:
        """The session's access token and its seconds left: the one signed earlier while it
        has more than half its life left, else a new one."""
        reused = self.tokens.get(session_id, account)
        if reused is not None:
            return reused
        ttl = int(ACCESS_TOKEN_TTL.total_seconds())
        expires = time.time() + ttl
        token = issue_access_token(self.issuer, account, session_id)
        self.tokens.put(session_id, account, token, expires)
        return token, ttl

    def refresh(self, session_token: str, touch: bool, client_address: str = "") -> ActiveSession:
        """An access token for an active session (checked in the database on every call);
        `touch`: the user is active, so the idle timeout starts again (recorded when the
        recorded activity is older than ACTIVITY_RECORD_INTERVAL, or the address changed:
        most pages write nothing)."""
        now = utcnow()
        # one statement reads the session with its account; the activity, when due, is
        # one UPDATE: each commits by itself (no BEGIN and COMMIT round trips)
        with self.infra.db.statements() as session:
            # no row lock: a logout at the same moment still ends the session (an UPDATE
            # here sets only the columns it changes)
            row, account = self._with_account(session, session_token)
            session_id, _, last_activity_at, absolute_expires_at, idle_seconds = row[:5]
            idle = timedelta(seconds=idle_seconds)
            check_active(
                ended_at=row.ended_at,
                last_activity_at=last_activity_at,
                absolute_expires_at=absolute_expires_at,
                now=now,
                idle=idle,
            )
            if account.status != ACTIVE:  # disabled since the login
                raise Unauthenticated(SESSION_UNKNOWN)
            if touch:
                address = client_address.strip()[:64]
                changes: dict[str, Any] = {}
                if activity_due(last_activity_at, now) or (
                    address and address != row.client_address
                ):
                    changes["last_activity_at"] = last_activity_at = now
                    if address:
                        changes["client_address"] = address
                if changes:  # only the columns it changes: a logout at once still ends it
                    session.execute(
                        update(LoginSession).where(LoginSession.id == session_id).values(**changes)
                    )
            access_token, expires_in = self._access_token(account, session_id)
            return ActiveSession(
                access_token=access_token,
                expires_in_seconds=expires_in,
                session_id=session_id,
                idle_expires_at=idle_expires_at(last_activity_at, absolute_expires_at, idle),
                absolute_expires_at=absolute_expires_at,
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
            self.tokens.forget(row.id)

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

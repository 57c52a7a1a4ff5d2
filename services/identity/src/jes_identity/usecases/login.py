"""Logging in (with lockout after repeated failures)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from jes.identity.v1 import identity_pb2 as pb
from jes_auth import TokenIssuer
from jes_domain import FailedPrecondition, ResourceExhausted, Unauthenticated
from jes_identity.accounts_store import (
    account_by_login_name,
    recent_failed_logins,
    record_login,
)
from jes_identity.domain.accounts import ACTIVE, is_possible_account_id, normalize_account_id
from jes_identity.domain.limits import LOGIN_LOCKED, is_locked_out
from jes_identity.domain.links import ACTIVATION_PENDING
from jes_identity.domain.sessions import ACCESS_TOKEN_TTL, IDLE_TIMEOUT
from jes_identity.messages import account_message
from jes_identity.passwords import verify_password
from jes_identity.usecases.common import Infrastructure
from jes_identity.usecases.sessions import (
    SessionStart,
    issue_access_token,
    start_session,
)

WRONG_LOGIN = "帳號或密碼錯誤"


@dataclass(frozen=True)
class LoginResult:
    access_token: str
    expires_in_seconds: int
    account: pb.Account
    session: SessionStart  # the server-side session the login started


class Sessions:
    def __init__(
        self, infra: Infrastructure, issuer: TokenIssuer, session_idle: timedelta = IDLE_TIMEOUT
    ):
        self.infra = infra
        self.issuer = issuer
        self.session_idle = session_idle  # the installation's idle timeout

    def login(
        self,
        typed_account_id: str,
        password: str,
        client_address: str = "",
        user_agent: str = "",
    ) -> LoginResult:
        """A token for an active account with its password set. Every attempt is
        recorded; after too many recent failures from one client address the login name
        is locked out for that address (never for the owner elsewhere). Unknown names
        cost the same time as known ones."""
        client_address = client_address.strip()[:64]
        account_id = normalize_account_id(typed_account_id)
        if not is_possible_account_id(account_id):
            verify_password(None, password)  # same time as a real check
            raise Unauthenticated(WRONG_LOGIN)
        with self.infra.db.transaction() as session:
            account = account_by_login_name(session, account_id)
            if is_locked_out(recent_failed_logins(session, account_id, account, client_address)):
                raise ResourceExhausted(LOGIN_LOCKED)
            if account is not None and account.status == ACTIVE and not account.password_set:
                verify_password(None, password)  # same time as a real check
                raise FailedPrecondition(ACTIVATION_PENDING)
            ok = (
                verify_password(account.password_hash if account else None, password)
                and account is not None
                and account.status == ACTIVE
            )
            record_login(session, account_id, ok, client_address)
            started = (
                start_session(session, account, client_address, user_agent, self.session_idle)
                if ok and account is not None
                else None
            )
        if started is None or account is None:
            raise Unauthenticated(WRONG_LOGIN)
        return LoginResult(
            access_token=issue_access_token(self.issuer, account, started.session_id),
            expires_in_seconds=int(ACCESS_TOKEN_TTL.total_seconds()),
            account=account_message(account),
            session=started,
        )

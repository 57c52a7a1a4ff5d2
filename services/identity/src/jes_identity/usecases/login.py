"""Logging in: whether the attempt may go ahead (brute-force lanes, captcha, device
tokens: domain.login_guard), what is recorded, and the owner's mails (repeated failures,
a new device) through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from jes.identity.v1 import identity_pb2 as pb
from jes_auth import TokenIssuer
from jes_db import utcnow
from jes_domain import FailedPrecondition, InvalidArgument, ResourceExhausted, Unauthenticated
from jes_identity import login_store
from jes_identity.accounts_store import account_by_login_name
from jes_identity.domain import login_guard
from jes_identity.domain.accounts import ACTIVE, is_possible_account_id, normalize_account_id
from jes_identity.domain.links import ACTIVATION_PENDING
from jes_identity.domain.sessions import ACCESS_TOKEN_TTL, IDLE_TIMEOUT
from jes_identity.messages import account_message
from jes_identity.models import Account
from jes_identity.passwords import verify_password
from jes_identity.usecases.common import Infrastructure
from jes_identity.usecases.sessions import (
    SessionStart,
    issue_access_token,
    start_session,
)

WRONG_LOGIN = "帳號或密碼錯誤"


@dataclass(frozen=True)
class LoginAttempt:
    """One attempt as the gateway passes it on."""

    account_id: str
    password: str
    client_address: str = ""
    user_agent: str = ""  # shown in the account's list of sessions
    device_token: str = ""  # the browser's device cookie for this account
    captcha_id: str = ""
    captcha_answer: str = ""


@dataclass(frozen=True)
class LoginResult:
    access_token: str
    expires_in_seconds: int
    account: pb.Account
    session: SessionStart  # the server-side session the login started
    device_token: str = ""  # new: this browser was not yet trusted


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
        return self.attempt(LoginAttempt(typed_account_id, password, client_address, user_agent))

    def attempt(self, attempt: LoginAttempt) -> LoginResult:
        """A session and its access token for an active account with its password set,
        when the brute-force rules let the attempt through. Every attempt is recorded
        (refused ones too, for the owner to see). Unknown names cost the same time as
        known ones."""
        client_address = attempt.client_address.strip()[:64]
        account_id = normalize_account_id(attempt.account_id)
        if not is_possible_account_id(account_id):
            verify_password(None, attempt.password)  # same time as a real check
            raise Unauthenticated(WRONG_LOGIN)
        refusal: Exception | None = None
        new_token = ""
        started: SessionStart | None = None
        with self.infra.db.transaction() as session:
            now = utcnow()
            account = account_by_login_name(session, account_id)
            device = login_store.trusted_device(session, account, attempt.device_token.strip())
            counts = login_store.login_counts(
                session, account_id, account, client_address, device, now
            )
            decision = login_guard.decide(counts, now)
            device_id = device.id if device is not None and counts.trusted_device else ""
            if not decision.allowed:
                refusal = ResourceExhausted(decision.refusal)
            elif decision.captcha_required and not login_store.solve_challenge(
                session, attempt.captcha_id.strip(), attempt.captcha_answer
            ):
                message = (
                    login_guard.CAPTCHA_WRONG
                    if attempt.captcha_answer.strip()
                    else login_guard.CAPTCHA_NEEDED
                )
                refusal = InvalidArgument(message, fields={"captcha": message})
            if refusal is not None:
                login_store.record_attempt(
                    session,
                    account_id,
                    success=False,
                    client_address=client_address,
                    refused=True,
                    device_id=device_id,
                )
            elif account is not None and account.status == ACTIVE and not account.password_set:
                verify_password(None, attempt.password)  # same time as a real check
                refusal = FailedPrecondition(ACTIVATION_PENDING)
            else:
                ok = (
                    verify_password(account.password_hash if account else None, attempt.password)
                    and account is not None
                    and account.status == ACTIVE
                )
                login_store.record_attempt(
                    session,
                    account_id,
                    success=ok,
                    client_address=client_address,
                    device_id=device_id,
                )
                if not ok or account is None:
                    refusal = Unauthenticated(WRONG_LOGIN)
                    session.flush()
                    self._warn_owner_of_failures(session, account_id, account, client_address)
                else:
                    if device is not None and counts.trusted_device:
                        device.last_used_at = now
                    else:
                        new_token = self._trust_new_device(session, account, client_address)
                    started = start_session(
                        session, account, client_address, attempt.user_agent, self.session_idle
                    )
        if refusal is not None:  # raised after the commit, so the attempt stays recorded
            raise refusal
        assert account is not None and started is not None
        return LoginResult(
            access_token=issue_access_token(self.issuer, account, started.session_id),
            expires_in_seconds=int(ACCESS_TOKEN_TTL.total_seconds()),
            account=account_message(account),
            device_token=new_token,
            session=started,
        )

    def _warn_owner_of_failures(
        self, session: Session, account_id: str, account: Account | None, client_address: str
    ) -> None:
        if account is None or account.status != ACTIVE:
            return
        failures = login_store.account_failures_last_hour(session, account_id, account)
        if not login_guard.owner_to_be_warned(failures):
            return
        event = pb.LoginFailuresRepeated(
            account_id=account.account_id,
            email=account.email,
            display_name=account.display_name,
            failures=failures,
            last_client_address=client_address,
        )
        event.at.FromDatetime(utcnow())
        self.infra.publish(session, event, subject=account.id)

    def _trust_new_device(self, session: Session, account: Account, client_address: str) -> str:
        """A device token for this browser; the owner is told of a new device, except on
        the account's first login ever (there is nothing to compare with)."""
        first_device = not login_store.has_devices(session, account)
        _, raw = login_store.new_device(session, account, client_address)
        if not first_device:
            event = pb.NewDeviceLoggedIn(
                account_id=account.account_id,
                email=account.email,
                display_name=account.display_name,
                client_address=client_address,
            )
            event.at.FromDatetime(utcnow())
            self.infra.publish(session, event, subject=account.id)
        return raw

"""Single sign-on: judges through the courts' provider, prosecutors through the justice
ministry's single window (OpenID Connect, authorisation code with PKCE).

A started sign-in keeps its state (hashed), nonce and PKCE verifier here, single use and
for minutes; the gateway keeps the state in the browser's session. The person's account
is found by (issuer, subject) alone; the first visit creates it from the claims."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from jes.identity.v1 import identity_pb2 as pb
from jes_db import utcnow
from jes_domain import FailedPrecondition, InvalidArgument, NotFound, Unauthenticated
from jes_identity import login_store
from jes_identity.accounts_store import account_by_login_name
from jes_identity.domain.accounts import ACTIVE
from jes_identity.domain.audit_actions import ACCOUNT_CREATED
from jes_identity.domain.sessions import ACCESS_TOKEN_TTL
from jes_identity.domain.sign_in import (
    FLOW_LIFETIME,
    FLOW_UNKNOWN,
    UNKNOWN_PROVIDER,
    ExternalPerson,
    ProviderSettings,
    check_id_token_claims,
    check_state,
    person_from_claims,
    state_hash,
)
from jes_identity.domain.validation import BAD_INPUT
from jes_identity.messages import account_message, actor_of_account, profile
from jes_identity.models import Account, ExternalIdentity, SignInFlow, audit_log
from jes_identity.oidc import ProviderClient, pkce_pair
from jes_identity.usecases.common import Infrastructure, audit_account_update
from jes_identity.usecases.login import LoginResult, Sessions
from jes_identity.usecases.sessions import issue_access_token, start_session

# login names of single sign-on accounts: a letter for the role and random characters
# (never derived from the directory account: those are guessable and change hands)
LOGIN_NAME_PREFIX = {"judge": "J", "prosecutor": "P"}
LOGIN_NAME_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LOGIN_NAME_RANDOM = 9
REDIRECT_URI_MAX = 500


@dataclass(frozen=True)
class SignInResult:
    login: LoginResult
    first_visit: bool
    email_needed: bool


def _new_login_name(session: Session, role: str) -> str:
    while True:
        name = LOGIN_NAME_PREFIX[role] + "".join(
            secrets.choice(LOGIN_NAME_ALPHABET) for _ in range(LOGIN_NAME_RANDOM)
        )
        if account_by_login_name(session, name) is None:
            return name


class ProviderSignIn:
    def __init__(
        self,
        sessions: Sessions,
        clients: Mapping[str, ProviderClient],
        clock: Callable[[], float] = time.time,
    ):
        # a sign-in creates what a password login creates (a server-side session)
        self.sessions = sessions
        self.infra: Infrastructure = sessions.infra
        self.clients = dict(clients)
        self.clock = clock

    def providers(self) -> list[pb.SignInProvider]:
        return [
            pb.SignInProvider(name=c.config.name, label=c.config.label, role=c.config.role)
            for c in self.clients.values()
        ]

    def _client(self, provider: str) -> ProviderClient:
        client = self.clients.get(provider)
        if client is None:
            raise NotFound(UNKNOWN_PROVIDER, fields={"provider": UNKNOWN_PROVIDER})
        return client

    def begin(self, provider: str, redirect_uri: str) -> tuple[str, str]:
        """(authorization URL, state) of a new sign-in at `provider`."""
        client = self._client(provider)
        if not redirect_uri.startswith(("https://", "http://")) or len(redirect_uri) > (
            REDIRECT_URI_MAX
        ):
            raise InvalidArgument(BAD_INPUT, fields={"redirect_uri": "回傳網址不正確"})
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier, challenge = pkce_pair()
        url = client.authorization_url(
            state=state, nonce=nonce, code_challenge=challenge, redirect_uri=redirect_uri
        )
        now = utcnow()
        with self.infra.db.transaction() as session:
            # started sign-ins nobody finished are of no use after their lifetime
            session.execute(delete(SignInFlow).where(SignInFlow.expires_at < now))
            session.add(
                SignInFlow(
                    provider=provider,
                    state_hash=state_hash(state),
                    nonce=nonce,
                    code_verifier=verifier,
                    redirect_uri=redirect_uri,
                    expires_at=now + FLOW_LIFETIME,
                )
            )
        return url, state

    def _take_flow(self, provider: str, state: str) -> SignInFlow:
        """The started sign-in of `state`, marked used (single use), or FailedPrecondition."""
        with self.infra.db.transaction() as session:
            flow = session.scalar(
                select(SignInFlow)
                .where(SignInFlow.state_hash == state_hash(state))
                .with_for_update()
            )
            if (
                flow is None
                or flow.provider != provider
                or flow.used_at is not None
                or flow.expires_at < utcnow()
            ):
                raise FailedPrecondition(FLOW_UNKNOWN)
            flow.used_at = utcnow()
            session.flush()
            session.expunge(flow)
            return flow

    def complete(
        self,
        provider: str,
        state: str,
        session_state: str,
        code: str,
        client_address: str = "",
        user_agent: str = "",
    ) -> SignInResult:
        client = self._client(provider)
        check_state(state, session_state)
        if not code:
            raise InvalidArgument(BAD_INPUT, fields={"code": "缺少授權碼"})
        flow = self._take_flow(provider, state)
        id_token = client.exchange_code(
            code=code, code_verifier=flow.code_verifier, redirect_uri=flow.redirect_uri
        )
        claims = client.verified_claims(id_token)
        settings = ProviderSettings(
            name=provider,
            issuer=client.config.issuer,
            client_id=client.config.client_id,
            role=client.config.role,
        )
        check_id_token_claims(claims, settings, flow.nonce, self.clock())
        person = person_from_claims(claims, settings)
        return self._sign_in(provider, person, client_address.strip()[:64], user_agent)

    def _sign_in(
        self, provider: str, person: ExternalPerson, client_address: str, user_agent: str
    ) -> SignInResult:
        with self.infra.db.transaction() as session:
            link = session.scalar(
                select(ExternalIdentity).where(
                    ExternalIdentity.issuer == person.issuer,
                    ExternalIdentity.subject == person.subject,
                )
            )
            first_visit = link is None
            if link is None:
                account = self._create_account(session, provider, person)
            else:
                account = link.account
                if account.status != ACTIVE:
                    raise Unauthenticated("帳號已停用，請洽系統管理者")
                link.last_sign_in_at = utcnow()
                self._refresh(session, account, person)
            login_store.record_attempt(
                session, account.account_id, success=True, client_address=client_address
            )
            started = start_session(
                session, account, client_address, user_agent, self.sessions.session_idle
            )
            login = LoginResult(
                access_token=issue_access_token(self.sessions.issuer, account, started.session_id),
                expires_in_seconds=int(ACCESS_TOKEN_TTL.total_seconds()),
                account=account_message(account),
                session=started,
            )
            return SignInResult(
                login=login, first_visit=first_visit, email_needed=not account.email
            )

    def _create_account(self, session: Session, provider: str, person: ExternalPerson) -> Account:
        account = Account(
            account_id=_new_login_name(session, person.role),
            password_hash=None,  # signs in at its provider only
            display_name=person.display_name,
            email="",
            roles=person.role,
            court_code=person.court_code,
            directory_account=person.directory_account,
            prosecutor_id=person.prosecutor_id,
            sign_in_provider=provider,
        )
        session.add(account)
        session.flush()
        session.add(
            ExternalIdentity(
                account_id=account.id,
                provider=provider,
                issuer=person.issuer,
                subject=person.subject,
            )
        )
        audit_log.record(
            session,
            actor_of_account(account),
            ACCOUNT_CREATED,
            subject_type="account",
            subject_id=account.account_id,
            court_code=account.court_code,
            after=profile(account) | {"issuer": person.issuer, "subject": person.subject},
        )
        return account

    def _refresh(self, session: Session, account: Account, person: ExternalPerson) -> None:
        """The directory is the source of a judge's name and court (a judge moves to
        another court; a prosecutor's identifier changes): taken again on every visit."""
        before = profile(account)
        account.display_name = person.display_name
        account.directory_account = person.directory_account
        account.court_code = person.court_code
        account.prosecutor_id = person.prosecutor_id
        audit_account_update(session, account, before)

"""Identity built by its own `build()` on a temp folder (SQLite, embedded bus, its own
signing keys), serving gRPC on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from jes.events.v1.envelope_pb2 import Envelope
from jes.identity.v1 import identity_pb2 as pb
from jes.identity.v1 import identity_pb2_grpc as pb_grpc
from jes_auth import KeyStore, TokenIssuer, TokenVerifier
from jes_db.audit import AuditRecord
from jes_grpckit import Client
from jes_identity import passwords
from jes_identity.app import build, ensure_account
from jes_identity.models import Account, FirmApplication, LoginRecord, audit_log
from jes_servicekit import ServiceKit
from support import callers
from support.services import embedded_config, outbox_events, pki_of

PASSWORD = "Firm1234!"


@pytest.fixture
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with its production cost takes about half a second per hash here; the rules
    under test do not depend on the cost (test_passwords checks the real parameters)."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", cheap)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", cheap.hash("not-a-real-password"))


@dataclass
class IdentityService:
    kit: ServiceKit
    addr: str
    keys: KeyStore  # the same key folder identity signs with
    pki: Path  # the CA folder identity's certificate comes from

    @property
    def issuer(self) -> TokenIssuer:
        return TokenIssuer(self.keys)

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(self.keys.jwks)

    def client(self, token: str | None = None, caller: str = "gateway") -> Client:
        """As the gateway (or `caller`, a module's certificate), for `token`'s person."""
        return callers.client(
            self.pki, self.addr, pb_grpc.IdentityServiceStub, caller=caller, token=token
        )

    def as_service(self, name: str = "notification") -> Client:
        """A module calling as itself (its certificate, no person's token)."""
        return self.client(caller=name)

    def clerk_token(self, login: str = "TPDCLERK", court_code: str = "TPD", **claims: Any) -> str:
        """A clerk's access token as identity issues it at login (no account needed)."""
        options: dict[str, Any] = {"roles": ["clerk"], "court_code": court_code, "username": login}
        options.update(claims)
        return self.issuer.issue(f"id-{login.lower()}", **options)

    def link_token(self, link_id: str) -> str:
        """A one-time link's token, as notification gets it when it sends the mail."""
        reply = self.as_service("notification").call(
            "IssuePasswordLink", pb.IssuePasswordLinkRequest(link_id=link_id)
        )
        return str(reply.token)

    def add_account(
        self,
        account_id: str,
        *,
        roles: list[str],
        court_code: str = "TPD",
        email: str | None = None,
        display_name: str | None = None,
        status: str = "active",
    ) -> Account:
        ensure_account(
            self.kit.db,
            account_id=account_id,
            password=PASSWORD,
            display_name=display_name or f"{account_id} 使用者",
            email=email or f"{account_id.lower()}@example.com",
            roles=roles,
            court_code=court_code,
        )
        with self.kit.db.transaction() as session:
            account = session.scalar(select(Account).where(Account.account_id == account_id))
            assert account is not None
            account.status = status
            return account

    def login(self, account_id: str, password: str = PASSWORD) -> pb.LoginResponse:
        return self.client().call(
            "Login", pb.LoginRequest(account_id=account_id, password=password)
        )

    def login_records(self) -> list[tuple[str, bool]]:
        with self.kit.db.transaction() as session:
            rows = session.scalars(select(LoginRecord).order_by(LoginRecord.at)).all()
            return [(r.account_id, r.success) for r in rows]

    def events(self, payload_class: Any) -> list[tuple[Envelope, Any]]:
        return outbox_events(self.kit, payload_class)

    def audit(self) -> list[AuditRecord]:
        with self.kit.db.transaction() as session:
            return audit_log.entries(session)

    def apply(self, court_code: str = "TPD", **fields: str) -> pb.FirmApplication:
        request = {
            "court_code": court_code,
            "company_name": "大華不動產估價師事務所",
            "contact_person": "王大明",
            "email": "wang@example.com",
            "phone": "02-2345-6789",
            **fields,
        }
        return self.client().call("ApplyFirmAccount", pb.ApplyFirmAccountRequest(**request))

    def grant(
        self,
        application_id: str,
        approve: bool,
        token: str | None = None,
        court_code: str | None = None,
        decision_id: str | None = None,
    ) -> str:
        """As review-workflow does when it records a decision: the deciding clerk's token
        (TPDCLERK's unless `token` says whose), forwarded, exchanged for a decision grant
        for the application's court (as review-workflow has it) unless `court_code`."""
        if court_code is None:
            with self.kit.db.transaction() as session:
                application = session.get(FirmApplication, application_id)
                court_code = application.court_code if application else "TPD"
        reply = self.client(token or self.clerk_token(), caller="review-workflow").call(
            "IssueDecisionGrant",
            pb.IssueDecisionGrantRequest(
                binding=pb.DecisionBinding(
                    kind="firm_application",
                    target_id=application_id,
                    decision="approve" if approve else "reject",
                    decision_id=decision_id or f"decision-{application_id}",
                    court_code=court_code,
                )
            ),
        )
        return str(reply.decision_grant)

    def decide_with(
        self, application_id: str, approve: bool, grant: str, reason: str = "", **fields: Any
    ) -> pb.FirmApplication:
        """As review-workflow carries a decision out: as itself, with the grant."""
        request = {"decision_id": f"decision-{application_id}", **fields}
        return self.as_service("review-workflow").call(
            "DecideFirmApplication",
            pb.DecideFirmApplicationRequest(
                application_id=application_id,
                approve=approve,
                reason=reason,
                decision_grant=grant,
                **request,
            ),
        )

    def decide(
        self,
        application_id: str,
        approve: bool,
        reason: str = "",
        token: str | None = None,
        court_code: str | None = None,
    ) -> pb.FirmApplication:
        """As review-workflow does: the deciding clerk's grant (TPDCLERK's unless `token`
        says whose), then the decision carried out with it."""
        grant = self.grant(application_id, approve, token, court_code)
        return self.decide_with(application_id, approve, grant, reason)


@pytest.fixture
def password_policy() -> str:
    """The installation's JES_PASSWORD_POLICY for `service`. Most tests here were written
    for the seed portal's rule and keep it; test_password_policy runs the default
    (ASVS level 2) by overriding this fixture."""
    return "seed"


@pytest.fixture
def service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast_hashing: None, password_policy: str
) -> Iterator[IdentityService]:
    key_dir = tmp_path / "keys"
    monkeypatch.setenv("JES_TOKEN_KEY_DIR", str(key_dir))
    config = embedded_config("identity", tmp_path, JES_PASSWORD_POLICY=password_policy)
    kit = build(config, metrics=False)
    kit.grpc.start()  # the relay stays off: events stay in the outbox for the tests to read
    yield IdentityService(
        kit, f"127.0.0.1:{kit.grpc.port}", KeyStore(key_dir, create=False), pki_of(tmp_path)
    )
    kit.grpc.stop(0)
    kit.bus.close()
    kit.db.dispose()

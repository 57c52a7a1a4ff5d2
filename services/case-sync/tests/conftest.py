"""Case-sync built by its own `build()` on a temp folder (SQLite, embedded bus), serving
gRPC on a free port; tokens are signed with a temp key store the service trusts."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from jes.case_sync.v1 import case_events_pb2 as events
from jes.case_sync.v1 import case_sync_pb2 as pb
from jes.case_sync.v1 import case_sync_pb2_grpc as pb_grpc
from jes.case_sync.v1 import cases_pb2
from jes.events.v1.envelope_pb2 import Envelope
from jes_auth import KeyStore, TokenIssuer, TokenVerifier
from jes_case_sync.app import build
from jes_case_sync.identity_port import ReaderIdentity
from jes_case_sync.usecases.follows import OpenedAccount
from jes_grpckit import Client
from jes_servicekit import ServiceKit
from support import callers
from support.services import embedded_config, outbox_events, pki_of


@dataclass
class IdentityStandIn:
    """Identity's two answers for case-sync's own tests (the all-in-one tests use the real
    identity): one case-progress account per e-mail, opened on first use, with an
    activation link until `activate`; readers as `readers` says."""

    accounts: dict[str, OpenedAccount] = field(default_factory=dict)
    readers: dict[str, ReaderIdentity] = field(default_factory=dict)
    opened_for: list[tuple[str, str, str]] = field(default_factory=list)
    down: bool = False

    def open_account(self, email: str, display_name: str, reason: str) -> OpenedAccount:
        if self.down:
            raise RuntimeError("identity is away")
        self.opened_for.append((email, display_name, reason))
        known = self.accounts.get(email)
        if known is not None:
            return OpenedAccount(known.id, known.username, False, known.activation_link_id)
        number = len(self.accounts) + 1
        account = OpenedAccount(f"acct-{number}", f"P{number:010d}", True, f"link-{number}")
        self.accounts[email] = account
        return account

    def activate(self, email: str) -> None:
        known = self.accounts[email]
        self.accounts[email] = OpenedAccount(known.id, known.username, False, "")

    def reader(self, token: str, account_id: str) -> ReaderIdentity:
        return self.readers.get(account_id, ReaderIdentity((account_id,), ""))


@dataclass
class CaseSyncService:
    kit: ServiceKit
    addr: str
    issuer: TokenIssuer
    pki: Path
    identity: IdentityStandIn
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    # how `ingest` and `stream` send a batch: 0 one change per message (IngestProgress),
    # else that many changes per message (IngestProgressChunks)
    chunk: int = 0

    def court_system(self, court_code: str = "TPD") -> Client:
        """The court's own system: its certificate names its court (mutual TLS)."""
        return callers.client(
            self.pki, self.addr, pb_grpc.CaseSyncServiceStub, court_system_of=court_code
        )

    def client(self, token: str | None, caller: str = "gateway") -> Client:
        return callers.client(
            self.pki, self.addr, pb_grpc.CaseSyncServiceStub, caller=caller, token=token
        )

    def case(self, **overrides: Any) -> cases_pb2.CaseKey:
        fields: dict[str, Any] = {
            "court_code": "TPD",
            "category": cases_pb2.CASE_CATEGORY_CIVIL,
            "year": 113,
            "word": "訴",
            "number": next(self._numbers),
        }
        fields.update(overrides)
        return cases_pb2.CaseKey(**fields)

    def entry(self, source_entry_id: str = "e-1", **overrides: Any) -> cases_pb2.ProgressEntry:
        fields: dict[str, Any] = {
            "source_entry_id": source_entry_id,
            "posted_on": "2024-11-20",
            "item": "定期言詞辯論",
        }
        fields.update(overrides)
        return cases_pb2.ProgressEntry(**fields)

    def push(
        self, case: cases_pb2.CaseKey, entry: cases_pb2.ProgressEntry, client: Client | None = None
    ) -> pb.PushProgressResponse:
        return (client or self.court_system()).call(
            "PushProgress", pb.PushProgressRequest(case=case, entry=entry)
        )

    def follow(
        self,
        case: cases_pb2.CaseKey,
        email: str,
        role: int = cases_pb2.FOLLOWER_ROLE_PARTY,
        client: Client | None = None,
    ) -> cases_pb2.Follow:
        return (client or self.court_system()).call(
            "ApproveFollow", pb.ApproveFollowRequest(case=case, email=email, role=role)
        )

    def ingest(
        self,
        changes: list[pb.CaseChange],
        batch_id: str = "",
        client: Client | None = None,
    ) -> pb.IngestProgressResponse:
        """One stream: the changes numbered 1, 2, 3 ... in one (new) batch."""
        batch_id = batch_id or f"batch-{next(self._numbers)}"
        framed = []
        for sequence, change in enumerate(changes, 1):
            message = pb.CaseChange()
            message.CopyFrom(change)
            message.batch_id, message.sequence = batch_id, sequence
            framed.append(message)
        return self.stream(framed, client)

    def stream(
        self, framed: list[pb.CaseChange], client: Client | None = None
    ) -> pb.IngestProgressResponse:
        """Changes as framed (batch id, sequence), on IngestProgress or, with `chunk`, on
        IngestProgressChunks `chunk` changes a message."""
        client = client or self.court_system()
        if not self.chunk:
            return client.call("IngestProgress", iter(framed))
        chunks = [
            pb.CaseChanges(changes=framed[start : start + self.chunk])
            for start in range(0, len(framed), self.chunk)
        ]
        return client.call("IngestProgressChunks", iter(chunks))

    def apply(self, change: pb.CaseChange, client: Client | None = None) -> pb.CaseChangeResult:
        return (client or self.court_system()).call("ApplyCaseChange", change)

    def person(self, subject: str, *roles: str, court_code: str = "") -> Client:
        """A person's token forwarded by the gateway."""
        return self.client(self.issuer.issue(subject, roles=list(roles), court_code=court_code))

    def litigant(self, email: str, subject: str = "", role: str = "progress") -> Client:
        """A person holding the follows of `email`'s case-progress account."""
        account = self.identity.accounts[email]
        subject = subject or account.id
        self.identity.readers[subject] = ReaderIdentity((account.id,), "")
        return self.person(subject, role)

    def events(self, payload_class: Any) -> list[tuple[Envelope, Any]]:
        return outbox_events(self.kit, payload_class)

    def added(self) -> list[tuple[Envelope, events.ProgressEntriesAdded, events.AddedEntry]]:
        """Each new entry announced, with its ProgressEntriesAdded and envelope, oldest
        first."""
        return [
            (envelope, event, added)
            for envelope, event in self.events(events.ProgressEntriesAdded)
            for added in event.entries
        ]


@pytest.fixture(params=["IngestProgress", "IngestProgressChunks"])
def ingest_rpc(request: pytest.FixtureRequest, service: CaseSyncService) -> str:
    """A test of a batch's rules, run on both ingest streams: one change per message, and
    chunks of two (so a batch spans chunks and a chunk holds several changes)."""
    service.chunk = 2 if request.param == "IngestProgressChunks" else 0
    return str(request.param)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[CaseSyncService]:
    keys = KeyStore(tmp_path / "keys")
    config = embedded_config("case-sync", tmp_path)
    identity = IdentityStandIn()
    kit = build(config, identity_port=identity, verifier=TokenVerifier(keys.jwks), metrics=False)
    kit.grpc.start()  # the relay stays off: events stay in the outbox for the tests to read
    yield CaseSyncService(
        kit, f"127.0.0.1:{kit.grpc.port}", TokenIssuer(keys), pki_of(tmp_path), identity
    )
    kit.grpc.stop(0)
    kit.bus.close()
    kit.db.dispose()

"""Case-sync built by its own `build()` on a temp folder (SQLite, embedded bus), serving
gRPC on a free port; tokens are signed with a temp key store the service trusts."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from jes.case_sync.v1 import case_sync_pb2 as pb
from jes.case_sync.v1 import case_sync_pb2_grpc as pb_grpc
from jes.case_sync.v1 import cases_pb2
from jes.events.v1.envelope_pb2 import Envelope
from jes_auth import KeyStore, TokenIssuer, TokenVerifier
from jes_case_sync.app import build
from jes_grpckit import Client
from jes_servicekit import ServiceKit
from support import callers
from support.services import embedded_config, outbox_events, pki_of


@dataclass
class CaseSyncService:
    kit: ServiceKit
    addr: str
    issuer: TokenIssuer
    pki: Path
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

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

    def events(self, payload_class: Any) -> list[tuple[Envelope, Any]]:
        return outbox_events(self.kit, payload_class)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[CaseSyncService]:
    keys = KeyStore(tmp_path / "keys")
    config = embedded_config("case-sync", tmp_path)
    kit = build(config, verifier=TokenVerifier(keys.jwks), metrics=False)
    kit.grpc.start()  # the relay stays off: events stay in the outbox for the tests to read
    yield CaseSyncService(kit, f"127.0.0.1:{kit.grpc.port}", TokenIssuer(keys), pki_of(tmp_path))
    kit.grpc.stop(0)
    kit.bus.close()
    kit.db.dispose()

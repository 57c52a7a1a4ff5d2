"""Review-workflow built by its own `build()` on a temp folder (SQLite, embedded bus),
serving gRPC on a free port. Its event consumer is driven by hand with `consume()`."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from jes.events.v1.envelope_pb2 import Envelope
from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb
from jes.review_workflow.v1 import review_workflow_pb2_grpc as pb_grpc
from jes_auth import KeyStore, TokenIssuer, TokenVerifier
from jes_events import EventConsumer
from jes_grpckit import Client
from jes_protos import make_envelope
from jes_review_workflow.app import build
from jes_review_workflow.models import Submission
from jes_servicekit import ServiceKit, topic_of
from support.services import embedded_config, outbox_events

PHOTO_TOPIC = topic_of("photo-storage")


@dataclass
class ReviewService:
    kit: ServiceKit
    addr: str
    issuer: TokenIssuer
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(100))

    @property
    def consumer(self) -> EventConsumer:
        [consumer] = [c for c in self.kit.runtime.components if isinstance(c, EventConsumer)]
        return consumer

    def client(self, token: str | None) -> Client:
        return Client(self.addr, pb_grpc.ReviewWorkflowServiceStub, token=token)

    def clerk(self, court: str = "TPD") -> Client:
        return self.client(self.issuer.issue(f"clerk-{court}", roles=["clerk"], court_code=court))

    # -- events in ----------------------------------------------------------------------

    def submitted(
        self,
        *,
        court_code: str = "TPD",
        year: int = 107,
        word: str = "司執",
        number: int | None = None,
        photo_set_id: str | None = None,
        fingerprint: str | None = None,
        trace_id: str = "",
    ) -> Envelope:
        """A PhotoSetSubmitted envelope as photo-storage's outbox writes it."""
        photo_set_id = photo_set_id or str(uuid.uuid4())
        event = photo_pb.PhotoSetSubmitted(
            photo_set=photo_pb.PhotoSet(
                id=photo_set_id,
                court_code=court_code,
                division="甲",
                case_number=photo_pb.CaseNumber(
                    year=year, word=word, number=number or next(self._numbers)
                ),
                batch=1,
                firm_account_id="firm-1",
                status=photo_pb.PHOTO_SET_STATUS_SUBMITTED,
                version=2,
            ),
            report_id=str(uuid.uuid4()),
            fingerprint=fingerprint or uuid.uuid4().hex + uuid.uuid4().hex,
        )
        return make_envelope(event, source="photo-storage", subject=photo_set_id, trace_id=trace_id)

    def publish(self, *envelopes: Envelope) -> None:
        for envelope in envelopes:
            self.kit.bus.publish(PHOTO_TOPIC, envelope.subject, envelope.SerializeToString())

    def consume(self) -> int:
        """Handle everything published so far, as the running service would."""
        done = 0
        while handled := self.consumer.run_once(timeout=0.2):
            done += handled
        return done

    # -- what came of them --------------------------------------------------------------

    def submissions(self) -> list[Submission]:
        with self.kit.db.transaction() as session:
            return list(session.scalars(select(Submission).order_by(Submission.submitted_at)))

    def events(self, payload_class: Any) -> list[tuple[Envelope, Any]]:
        return outbox_events(self.kit, payload_class)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[ReviewService]:
    keys = KeyStore(tmp_path / "keys")
    config = embedded_config(
        "review-workflow",
        tmp_path,
        "review-test-secret",
    )
    kit = build(config, verifier=TokenVerifier(keys.jwks), metrics=False)
    kit.grpc.start()  # the relay stays off: events stay in the outbox for the tests to read
    service = ReviewService(kit, f"127.0.0.1:{kit.grpc.port}", TokenIssuer(keys))
    yield service
    service.consumer.close()
    kit.grpc.stop(0)
    kit.bus.close()
    kit.db.dispose()

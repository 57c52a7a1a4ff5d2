"""Review-workflow built by its own `build()` on a temp folder (SQLite, embedded bus),
serving gRPC on a free port. Its event consumer is driven by hand with `consume()`.

`service` is review-workflow alone, fed with hand-made photo-storage events. `platform`
adds the real identity and the real photo-storage on the same bus, so decisions go
through photo-storage's ApplyReviewDecision and identity's DecideFirmApplication; only
report-render is a stand-in (a real one fetches the images over HTTP from the gateway)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from jes.events.v1.envelope_pb2 import Envelope
from jes.identity.v1 import identity_pb2, identity_pb2_grpc
from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb
from jes.photo_storage.v1 import photo_storage_pb2_grpc as photo_grpc
from jes.report_render.v1 import report_render_pb2 as render_pb
from jes.report_render.v1 import report_render_pb2_grpc as render_grpc
from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes.review_workflow.v1 import review_workflow_pb2_grpc as pb_grpc
from jes_auth import KeyStore, TokenIssuer, TokenVerifier
from jes_db.audit import AuditRecord
from jes_events import EventConsumer
from jes_grpckit import Client, GrpcServer
from jes_protos import make_envelope
from jes_review_workflow.app import build
from jes_review_workflow.models import FirmApplicationDecision, Submission, audit_log
from jes_review_workflow.worker import DecisionWorker
from jes_servicekit import ServiceKit, topic_of
from support import callers
from support.images import jpeg
from support.processes import free_port
from support.services import embedded_config, outbox_events, pki_of
from support.uploads import upload_requests

PHOTO_TOPIC = topic_of("photo-storage")


def consumer_of(kit: ServiceKit) -> EventConsumer:
    [consumer] = [c for c in kit.runtime.components if isinstance(c, EventConsumer)]
    return consumer


@dataclass
class ReviewService:
    kit: ServiceKit
    addr: str
    issuer: TokenIssuer
    pki: Path
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(100))
    stopped: bool = False

    @property
    def consumer(self) -> EventConsumer:
        return consumer_of(self.kit)

    def client(self, token: str | None, caller: str = "gateway") -> Client:
        return callers.client(
            self.pki, self.addr, pb_grpc.ReviewWorkflowServiceStub, caller=caller, token=token
        )

    def clerk(self, court: str = "TPD", account_id: str | None = None) -> Client:
        account_id = account_id or f"{court}CLERK"
        return self.client(self.issuer.issue(account_id, roles=["clerk"], court_code=court))

    def admin(self) -> Client:
        return self.client(self.issuer.issue("ADMIN", roles=["admin"]))

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
        version: int = 2,
        trace_id: str = "",
        division: str = "甲",
        firm_name: str = "大華不動產估價師事務所",
        firm_account_id: str = "TPDF001",
    ) -> Envelope:
        """A PhotoSetSubmitted envelope as photo-storage's outbox writes it."""
        photo_set_id = photo_set_id or str(uuid.uuid4())
        event = photo_pb.PhotoSetSubmitted(
            photo_set=photo_pb.PhotoSet(
                id=photo_set_id,
                court_code=court_code,
                division=division,
                case_number=photo_pb.CaseNumber(
                    year=year, word=word, number=number or next(self._numbers)
                ),
                batch=2,
                firm_account_id=firm_account_id,
                firm_name=firm_name,
                status=photo_pb.PHOTO_SET_STATUS_SUBMITTED,
                version=version,
            ),
            report_id=str(uuid.uuid4()),
            fingerprint=fingerprint or uuid.uuid4().hex + uuid.uuid4().hex,
            firm_email="dahua@example.com",
            pages=3,
        )
        return make_envelope(event, source="photo-storage", subject=photo_set_id, trace_id=trace_id)

    def changed_after_print(self, photo_set_id: str, fingerprint: str) -> Envelope:
        event = photo_pb.PhotoSetChangedAfterPrint(
            photo_set=photo_pb.PhotoSet(id=photo_set_id, court_code="TPD"),
            fingerprint=fingerprint,
        )
        return make_envelope(event, source="photo-storage", subject=photo_set_id)

    def publish(self, *envelopes: Envelope) -> None:
        for envelope in envelopes:
            self.kit.bus.publish(PHOTO_TOPIC, envelope.subject, envelope.SerializeToString())

    def consume(self) -> int:
        """Handle everything published so far, as the running service would."""
        done = 0
        while handled := self.consumer.run_once(timeout=0.2):
            done += handled
        return done

    # -- carrying decisions out -----------------------------------------------------------

    @property
    def worker(self) -> DecisionWorker:
        [worker] = [c for c in self.kit.runtime.components if isinstance(c, DecisionWorker)]
        return worker

    def carry_out(self, now: datetime | None = None) -> int:
        """One round of the decision worker, as if the clock said `now`: how many
        decisions it tried."""
        return self.worker.run_once(now=now)

    def start_worker(self, poll_interval: float, now: Callable[[], datetime]) -> None:
        """The worker's thread, as the running service starts it, on the clock `now`."""
        self.worker.poll_interval = poll_interval
        self.worker.clock = now
        self.worker.start()

    def stop(self) -> None:
        """Stop serving, as a process that ends would (its database stays)."""
        if not self.stopped:
            self.stopped = True
            stop_kit(self.kit)

    # -- what came of them --------------------------------------------------------------

    def firm_application_decisions(self) -> list[FirmApplicationDecision]:
        with self.kit.db.transaction() as session:
            return list(session.scalars(select(FirmApplicationDecision)))

    def submissions(self) -> list[Submission]:
        with self.kit.db.transaction() as session:
            return list(session.scalars(select(Submission).order_by(Submission.submitted_at)))

    def submission(self, submission_id: str) -> Submission:
        with self.kit.db.transaction() as session:
            row = session.get(Submission, submission_id)
            assert row is not None
            return row

    def events(self, payload_class: Any) -> list[tuple[Envelope, Any]]:
        return outbox_events(self.kit, payload_class)

    def audit(self) -> list[AuditRecord]:
        with self.kit.db.transaction() as session:
            return audit_log.entries(session)


def start_review(tmp_path: Path, keys: KeyStore, **addrs: str) -> ReviewService:
    config = embedded_config("review-workflow", tmp_path, **addrs)
    kit = build(config, verifier=TokenVerifier(keys.jwks), metrics=False)
    kit.grpc.start()  # the relay stays off: events stay in the outbox for the tests to read
    return ReviewService(kit, f"127.0.0.1:{kit.grpc.port}", TokenIssuer(keys), pki_of(tmp_path))


def stop_kit(kit: ServiceKit) -> None:
    for consumer in [c for c in kit.runtime.components if isinstance(c, EventConsumer)]:
        consumer.close()
    for worker in [c for c in kit.runtime.components if isinstance(c, DecisionWorker)]:
        worker.stop()
    kit.grpc.stop(0)
    kit.bus.close()
    kit.db.dispose()


@pytest.fixture
def start_review_service(tmp_path: Path) -> Iterator[Callable[..., ReviewService]]:
    """Starts review-workflow with the given keys and service addresses; stops it after."""
    started: list[ReviewService] = []

    def start(keys: KeyStore, **addrs: str) -> ReviewService:
        started.append(start_review(tmp_path, keys, **addrs))
        return started[-1]

    yield start
    for service in started:
        service.stop()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[ReviewService]:
    """Review-workflow alone: nothing listens where photo-storage and identity would be."""
    nowhere = f"127.0.0.1:{free_port()}"
    service = start_review(
        tmp_path,
        KeyStore(tmp_path / "keys"),
        JES_PHOTO_STORAGE_ADDR=nowhere,
        JES_IDENTITY_ADDR=nowhere,
    )
    yield service
    stop_kit(service.kit)


# -- the real identity and photo-storage next to it -------------------------------------


@pytest.fixture
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Identity's Argon2 at production cost takes about half a second per account."""
    from jes_identity import passwords

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", cheap)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", cheap.hash("not-a-real-password"))


@dataclass
class IdentityService:
    kit: ServiceKit
    addr: str
    keys: KeyStore  # the folder identity signs with: test tokens are signed the same way
    pki: Path

    def client(self, token: str | None = None, caller: str = "gateway") -> Client:
        return callers.client(
            self.pki, self.addr, identity_pb2_grpc.IdentityServiceStub, caller=caller, token=token
        )

    def add_account(
        self, account_id: str, roles: list[str], court_code: str, email: str, name: str
    ) -> None:
        from jes_identity.app import ensure_account

        ensure_account(
            self.kit.db,
            account_id=account_id,
            password="Demo1234!",
            display_name=name,
            email=email,
            roles=roles,
            court_code=court_code,
        )

    def apply(self, court_code: str = "TPD", company: str = "大華估價") -> Any:
        """A firm's account application, as the public form sends it."""
        return self.client().call(
            "ApplyFirmAccount",
            identity_pb2.ApplyFirmAccountRequest(
                court_code=court_code,
                company_name=company,
                contact_person="王大明",
                email=f"{uuid.uuid4().hex[:8]}@example.com",
                phone="02-2345-6789",
            ),
        )

    def application(self, application_id: str) -> Any:
        token = TokenIssuer(self.keys).issue("ADMIN", roles=["admin"])
        reply = self.client(token).call(
            "ListFirmApplications", identity_pb2.ListFirmApplicationsRequest()
        )
        [found] = [a for a in reply.applications if a.id == application_id]
        return found


@pytest.fixture
def identity(tmp_path: Path, fast_hashing: None) -> Iterator[IdentityService]:
    from jes_identity.app import build as build_identity

    config = embedded_config("identity", tmp_path)
    kit = build_identity(config, metrics=False)
    kit.grpc.start()
    yield IdentityService(
        kit, f"127.0.0.1:{kit.grpc.port}", KeyStore(tmp_path / "data" / "keys"), pki_of(tmp_path)
    )
    stop_kit(kit)


class StandInReportRender(render_grpc.ReportRenderServiceServicer):
    """Answers every print with a one-page report; the PDF is not what is tested here."""

    def RenderPhotoReport(self, request: Any, context: Any) -> render_pb.Report:
        return render_pb.Report(id=str(uuid.uuid4()), object_key="photo_report/x.pdf", pages=1)


@dataclass
class Platform:
    identity: IdentityService
    photos: ServiceKit
    photos_addr: str
    review: ReviewService
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(500))

    @property
    def issuer(self) -> TokenIssuer:
        return TokenIssuer(self.identity.keys)

    def firm(self, court: str = "TPD") -> Client:
        account_id = f"{court}F001"
        token = self.issuer.issue(account_id, roles=["firm"], court_code=court, name="大華估價")
        return callers.client(
            self.review.pki, self.photos_addr, photo_grpc.PhotoStorageServiceStub, token=token
        )

    def printed_set(
        self, court: str = "TPD", photos: int = 2
    ) -> tuple[photo_pb.PhotoSet, photo_pb.PrintPhotoSetResponse]:
        """A firm's set with `photos` photos, printed (= submitted to the court)."""
        firm = self.firm(court)
        photo_set = firm.call(
            "OpenPhotoSet",
            photo_pb.OpenPhotoSetRequest(
                court_code=court,
                division="甲",
                case_number=photo_pb.CaseNumber(year=113, word="司執", number=next(self._numbers)),
                batch=1,
                create=True,
            ),
        )
        for n in range(photos):
            firm.call(
                "UploadPhoto",
                upload_requests(
                    photo_pb.NewPhoto(
                        photo_set_id=photo_set.id,
                        filename=f"{n}.jpg",
                        placement=photo_pb.PLACEMENT_OUTDOOR,
                        description=f"外觀 {n + 1}",
                    ),
                    jpeg(320, 240, color=(40 * n, 90, 150)),
                ),
            )
        current = self.photo_set(photo_set.id, court)
        printed = firm.call(
            "PrintPhotoSet",
            photo_pb.PrintPhotoSetRequest(
                photo_set_id=photo_set.id, expected_version=current.version
            ),
        )
        return self.photo_set(photo_set.id, court), printed

    def photo_set(self, photo_set_id: str, court: str = "TPD") -> photo_pb.PhotoSet:
        return self.firm(court).call(
            "GetPhotoSet", photo_pb.GetPhotoSetRequest(photo_set_id=photo_set_id)
        )

    def deliver(self) -> None:
        """Photo-storage's relay publishes its outbox; review-workflow consumes it."""
        relay = self.photos.relay
        while relay.run_once():
            pass
        self.review.consume()

    def submission_of(self, photo_set_id: str) -> pb.Submission:
        reply = self.review.admin().call(
            "ListSubmissions", pb.ListSubmissionsRequest(state="pending")
        )
        [found] = [s for s in reply.submissions if s.photo_set_id == photo_set_id]
        return found


@pytest.fixture
def platform(tmp_path: Path, identity: IdentityService) -> Iterator[Platform]:
    from jes_photo_storage.app import build as build_photos

    identity.add_account("TPDF001", ["firm"], "TPD", "dahua@example.com", "大華估價")
    identity.add_account("TPDCLERK", ["clerk"], "TPD", "clerk@tpd.example", "林書記官")
    identity.add_account("KLDCLERK", ["clerk"], "KLD", "clerk@kld.example", "基隆書記官")
    render = GrpcServer(
        "report-render",
        port=0,
        verifier=TokenVerifier(identity.keys.jwks),
        tls=callers.identity(identity.pki, "report-render"),
    )
    render.add(
        render_grpc.add_ReportRenderServiceServicer_to_server,
        StandInReportRender(),
        "jes.report_render.v1.ReportRenderService",
    )
    render.start()
    addrs = {"JES_IDENTITY_ADDR": identity.addr}
    photo_config = embedded_config(
        "photo-storage",
        tmp_path,
        JES_OBJECT_STORE_URL=f"file://{tmp_path}/objects",
        JES_REPORT_RENDER_ADDR=f"127.0.0.1:{render.port}",
        **addrs,
    )
    photos = build_photos(photo_config, verifier=TokenVerifier(identity.keys.jwks), metrics=False)
    photos.grpc.start()
    photos_addr = f"127.0.0.1:{photos.grpc.port}"
    review = start_review(tmp_path, identity.keys, JES_PHOTO_STORAGE_ADDR=photos_addr, **addrs)
    yield Platform(identity, photos, photos_addr, review)
    stop_kit(review.kit)
    stop_kit(photos)
    render.stop(0)

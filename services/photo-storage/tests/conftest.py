"""Photo-storage built by its own `build()` on a temp folder: SQLite, the folder object
store, the embedded bus, a gRPC server on a free port. Report-render is a fake on a second
gRPC server (with report-render's certificate), so printing needs no PDF engine."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, select

from jes.events.v1.envelope_pb2 import Envelope
from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes.photo_storage.v1 import photo_storage_pb2_grpc as pb_grpc
from jes.report_render.v1 import report_render_pb2 as render_pb
from jes.report_render.v1 import report_render_pb2_grpc as render_grpc
from jes_auth import Claims, DecisionBinding, KeyStore, TokenIssuer, TokenVerifier
from jes_grpckit import Client, GrpcServer, current_claims
from jes_photo_storage.app import build
from jes_photo_storage.models import Photo, PhotoSet, Print
from jes_photo_storage.storage import BUCKET
from jes_servicekit import ServiceKit
from support import callers
from support.images import jpeg
from support.services import embedded_config, outbox_events, pki_of
from support.uploads import upload_requests


class FakeReportRender(render_grpc.ReportRenderServiceServicer):
    """Records what it was asked to render and who asked; answers with a report of one
    page per photo, whose URL names the report id."""

    def __init__(self) -> None:
        self.requests: list[render_pb.RenderPhotoReportRequest] = []
        self.callers: list[Claims] = []
        self.during: Callable[[], None] | None = None  # runs while "rendering"
        self.url_callers: list[Claims] = []

    def RenderPhotoReport(self, request: Any, context: Any) -> render_pb.Report:
        self.requests.append(request)
        self.callers.append(current_claims())
        if self.during is not None:
            self.during()
        report_id = str(uuid.uuid4())
        return render_pb.Report(
            id=report_id, object_key=f"photo_report/{report_id}.pdf", pages=len(request.photos)
        )

    def GetReportUrl(self, request: Any, context: Any) -> render_pb.GetReportUrlResponse:
        self.url_callers.append(current_claims())
        return render_pb.GetReportUrlResponse(url=f"https://reports.test/{request.report_id}.pdf")


@dataclass
class Fakes:
    addr: str
    render: FakeReportRender


@dataclass
class PhotoService:
    kit: ServiceKit
    addr: str
    issuer: TokenIssuer
    objects: Path  # root/<bucket>/<key> of the folder store
    pki: Path
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1000))

    # -- callers -----------------------------------------------------------------------

    def firm_token(
        self, subject: str = "firm-1", *, court: str = "TPD", name: str = "大華估價"
    ) -> str:
        return self.issuer.issue(subject, roles=["firm"], court_code=court, name=name)

    def clerk_token(self, subject: str = "clerk-1", *, court: str = "TPD") -> str:
        return self.issuer.issue(subject, roles=["clerk"], court_code=court, name="書記官")

    def client(self, token: str | None = None, caller: str = "gateway") -> Client:
        """As the gateway (or `caller`) for a person (a firm unless `token` says else)."""
        return self.as_module(caller, token or self.firm_token())

    def as_module(self, caller: str, token: str | None = None) -> Client:
        """As the module `caller` (its certificate), for `token`'s person or as itself."""
        return callers.client(
            self.pki, self.addr, pb_grpc.PhotoStorageServiceStub, caller=caller, token=token
        )

    def clerk(self, court: str = "TPD") -> Client:
        return self.client(self.clerk_token(court=court))

    def review_workflow(self) -> Client:
        """As review-workflow carrying out a clerk's decision: as itself, with the grant."""
        return self.as_module("review-workflow")

    def grant(
        self,
        photo_set_id: str,
        fingerprint: str,
        decision_id: str,
        *,
        approve: bool = True,
        token: str | None = None,
        court: str = "TPD",
    ) -> str:
        """The decision grant identity issues for `token`'s clerk (clerk-1 of TPD unless
        `token` says whose): signed with identity's keys, copied from the verified token."""
        decider = self.kit.verifier.verify(token or self.clerk_token())
        binding = DecisionBinding(
            kind="photo_set_review",
            target_id=photo_set_id,
            version=fingerprint,
            decision="approve" if approve else "reject",
            decision_id=decision_id,
            court_code=court,
        )
        return self.issuer.issue_decision_grant(decider, binding, actor="review-workflow")

    def public(self) -> Client:
        """The gateway for an anonymous visitor."""
        return self.as_module("gateway")

    # -- factories ---------------------------------------------------------------------

    def open_request(self, **overrides: Any) -> pb.OpenPhotoSetRequest:
        fields: dict[str, Any] = {
            "court_code": "TPD",
            "division": "甲",
            "case_number": pb.CaseNumber(year=112, word="司執", number=next(self._numbers)),
            "batch": 1,
            "create": True,
        }
        fields.update(overrides)
        return pb.OpenPhotoSetRequest(**fields)

    def open_set(self, client: Client | None = None, **overrides: Any) -> pb.PhotoSet:
        return (client or self.client()).call("OpenPhotoSet", self.open_request(**overrides))

    def upload(
        self,
        photo_set_id: str,
        content: bytes | None = None,
        client: Client | None = None,
        **kw: Any,
    ) -> pb.Photo:
        new = pb.NewPhoto(photo_set_id=photo_set_id, filename=kw.pop("filename", "photo.jpg"), **kw)
        requests = upload_requests(new, jpeg(640, 480) if content is None else content)
        return (client or self.client()).call("UploadPhoto", requests)

    def get(self, photo_set_id: str, client: Client | None = None, **kw: Any) -> pb.PhotoSet:
        request = pb.GetPhotoSetRequest(photo_set_id=photo_set_id, **kw)
        return (client or self.client()).call("GetPhotoSet", request)

    def print_set(
        self, photo_set_id: str, client: Client | None = None, **kw: Any
    ) -> pb.PrintPhotoSetResponse:
        request = pb.PrintPhotoSetRequest(photo_set_id=photo_set_id, **kw)
        return (client or self.client()).call("PrintPhotoSet", request)

    def decide(
        self,
        photo_set_id: str,
        fingerprint: str,
        *,
        approve: bool = True,
        token: str | None = None,
        **kw: Any,
    ) -> pb.PhotoSet:
        decision_id = kw.pop("decision_id", str(uuid.uuid4()))
        grant = kw.pop("decision_grant", None) or self.grant(
            photo_set_id, fingerprint, decision_id, approve=approve, token=token
        )
        request = pb.ApplyReviewDecisionRequest(
            photo_set_id=photo_set_id,
            fingerprint=fingerprint,
            decision_id=decision_id,
            decision=pb.DECISION_APPROVE if approve else pb.DECISION_REJECT,
            decision_grant=grant,
            **kw,
        )
        return self.review_workflow().call("ApplyReviewDecision", request)

    # -- what was stored ---------------------------------------------------------------

    def object_keys(self) -> set[str]:
        root = self.objects / BUCKET
        return {
            str(p.relative_to(root))
            for p in root.rglob("*")
            if p.is_file() and ".tmp-" not in p.name
        }

    def get_object(self, key: str) -> bytes:
        return (self.objects / BUCKET / key).read_bytes()

    def events(self, payload_class: Any) -> list[tuple[Envelope, Any]]:
        return outbox_events(self.kit, payload_class)

    def photo_set_row(self, photo_set_id: str) -> PhotoSet:
        with self.kit.db.transaction() as session:
            row = session.get(PhotoSet, photo_set_id)
            assert row is not None
            return row

    def prints(self, photo_set_id: str) -> list[Print]:
        with self.kit.db.transaction() as session:
            return list(session.scalars(select(Print).filter_by(photo_set_id=photo_set_id)))

    def photos(self, photo_set_id: str) -> list[Photo]:
        with self.kit.db.transaction() as session:
            return list(session.scalars(select(Photo).filter_by(photo_set_id=photo_set_id)))


@pytest.fixture
def keys(tmp_path: Path) -> KeyStore:
    return KeyStore(tmp_path / "keys")


@pytest.fixture
def issuer(keys: KeyStore) -> TokenIssuer:
    return TokenIssuer(keys)


@pytest.fixture
def fakes(tmp_path: Path, keys: KeyStore, issuer: TokenIssuer) -> Iterator[Fakes]:
    render = FakeReportRender()
    server = GrpcServer(
        "fakes",
        port=0,
        verifier=TokenVerifier(keys.jwks),
        tls=callers.identity(pki_of(tmp_path), "report-render"),
    )
    server.add(
        render_grpc.add_ReportRenderServiceServicer_to_server,
        render,
        "jes.report_render.v1.ReportRenderService",
    )
    server.start()
    yield Fakes(f"127.0.0.1:{server.port}", render)
    server.stop(0)


@pytest.fixture
def database_url() -> Iterator[str | None]:
    """None: SQLite in the temp folder. With JES_TEST_POSTGRES_URL set (a server URL such
    as postgresql+psycopg://jes:jes@127.0.0.1:15432) a fresh database per test on it."""
    server = os.environ.get("JES_TEST_POSTGRES_URL", "").rstrip("/")
    if not server:
        yield None
        return
    name = f"photo_storage_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield f"{server}/{name}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture
def service(
    tmp_path: Path, keys: KeyStore, issuer: TokenIssuer, fakes: Fakes, database_url: str | None
) -> Iterator[PhotoService]:
    config = embedded_config(
        "photo-storage",
        tmp_path,
        JES_OBJECT_STORE_URL=f"file://{tmp_path}/objects",
        JES_REPORT_RENDER_ADDR=fakes.addr,
        **({"JES_DATABASE_URL": database_url} if database_url else {}),
    )
    kit = build(config, verifier=TokenVerifier(keys.jwks), metrics=False)
    kit.grpc.start()  # the relay stays off: events stay in the outbox for the tests to read
    yield PhotoService(
        kit, f"127.0.0.1:{kit.grpc.port}", issuer, tmp_path / "objects", pki_of(tmp_path)
    )
    kit.grpc.stop(0)
    kit.bus.close()
    kit.db.dispose()


@pytest.fixture
def fail_commit(service: PhotoService) -> Iterator[Callable[[int], None]]:
    """fail_commit(n): the n-th database commit from now raises, as a lost connection or
    a full disk would at COMMIT time."""
    state = {"left": 0}

    def before_commit(session: Any) -> None:
        if state["left"] > 0:
            state["left"] -= 1
            if state["left"] == 0:
                raise OSError("disk I/O error at commit")

    def arm(nth: int) -> None:
        state["left"] = nth

    event.listen(service.kit.db.sessions, "before_commit", before_commit)
    yield arm
    event.remove(service.kit.db.sessions, "before_commit", before_commit)

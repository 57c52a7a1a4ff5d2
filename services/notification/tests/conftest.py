"""Notification built by its own `build()` on a temp folder (SQLite, embedded bus, a
mailbox folder), serving gRPC on a free port; identity is a fake with `.call`."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any, cast

import grpc
import pytest
from sqlalchemy import select

from jes.identity.v1 import identity_pb2, verification_pb2
from jes.notification.v1 import notification_pb2_grpc as pb_grpc
from jes_auth import KeyStore, TokenIssuer, TokenVerifier
from jes_events import EventConsumer
from jes_grpckit import Client
from jes_notification.app import build
from jes_notification.handlers import Handlers, link_issuer
from jes_notification.mail import MailSender
from jes_notification.models import Delivery
from jes_protos import Envelope
from jes_servicekit import ServiceKit
from support import callers
from support.services import embedded_config, pki_of

PUBLIC_URL = "https://jes.example.gov.tw"


class FakeRpcError(grpc.RpcError, grpc.Call):  # type: ignore[misc]
    """A failed call as a gRPC client raises it: an RpcError that is a Call."""

    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        self._code, self._details = code, details

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def initial_metadata(self) -> Any:
        return ()

    def trailing_metadata(self) -> Any:
        return ()

    def is_active(self) -> bool:
        return False

    def time_remaining(self) -> float | None:
        return None

    def cancel(self) -> bool:
        return False

    def add_callback(self, callback: Any) -> bool:
        return False


class FakeIdentity:
    """Stands in for the identity Client: answers ListCourtStaff from a dict by court,
    GetAccount from a dict by account id, and IssuePasswordLink with a new token each time
    (`FAILED_PRECONDITION` for a link in `gone_links`, UNAVAILABLE while `unavailable`)."""

    def __init__(self) -> None:
        self.clerks: dict[str, list[identity_pb2.Account]] = {}
        self.accounts: dict[str, identity_pb2.Account] = {}
        self.requests: list[Any] = []
        self.issued_tokens: list[str] = []
        self.issued_codes: list[str] = []
        self.gone_links: set[str] = set()
        self.unavailable = 0

    def add_clerk(self, court_code: str, email: str, display_name: str) -> None:
        self.clerks.setdefault(court_code, []).append(
            identity_pb2.Account(
                account_id=email.split("@")[0].upper(),
                email=email,
                display_name=display_name,
                roles=["clerk"],
                court_code=court_code,
            )
        )

    @property
    def stub(self) -> FakeIdentity:
        """The client's typed stub: the same answers, called as the service calls them."""
        return self

    def ListCourtStaff(self, request: Any, **options: Any) -> Any:
        return self.call("ListCourtStaff", request, **options)

    def GetAccount(self, request: Any, **options: Any) -> Any:
        return self.call("GetAccount", request, **options)

    def IssuePasswordLink(self, request: Any, **options: Any) -> Any:
        self.requests.append(request)
        if self.unavailable:
            self.unavailable -= 1
            raise FakeRpcError(grpc.StatusCode.UNAVAILABLE, "identity away")
        if request.link_id in self.gone_links:
            raise FakeRpcError(grpc.StatusCode.FAILED_PRECONDITION, "連結無效或已使用")
        token = f"T{len(self.issued_tokens)}-q1W-e2R_t3Y4u5I6o7P8a9S0d1F2g3H4j5K6l7Z8x9C"
        self.issued_tokens.append(token)
        return identity_pb2.PasswordLink(token=token)

    def IssueVerificationCode(self, request: Any, **options: Any) -> Any:
        self.requests.append(request)
        if request.code_id in self.gone_links:
            raise FakeRpcError(grpc.StatusCode.FAILED_PRECONDITION, "請先發送認證碼")
        code = f"{len(self.issued_codes) + 314159:06d}"
        self.issued_codes.append(code)
        return verification_pb2.VerificationCode(code=code)

    def call(self, method: str, request: Any, **_: Any) -> Any:
        self.requests.append(request)
        if method == "GetAccount":
            return self.accounts[request.account_id]
        assert method == "ListCourtStaff"
        return identity_pb2.ListCourtStaffResponse(accounts=self.clerks.get(request.court_code, []))


@dataclass
class FakeTransport:
    """A mail server that accepts (or refuses, while `failures` remain) each message."""

    sent: list[EmailMessage] = field(default_factory=list)
    failures: int = 0

    def send(self, message: Message) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("mail server away")
        # kept as a server receives it: the bytes on the wire, read back
        received = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
        self.sent.append(cast(EmailMessage, received))


@dataclass
class NotificationService:
    kit: ServiceKit
    addr: str
    issuer: TokenIssuer
    mailbox: Path
    identity: FakeIdentity
    handlers: Handlers
    pki: Path

    def client(self, token: str | None, caller: str = "gateway") -> Client:
        return callers.client(
            self.pki, self.addr, pb_grpc.NotificationServiceStub, caller=caller, token=token
        )

    def admin(self) -> Client:
        return self.client(self.issuer.issue("ops", roles=["admin"]))

    @property
    def consumer(self) -> EventConsumer:
        [consumer] = [c for c in self.kit.runtime.components if isinstance(c, EventConsumer)]
        return consumer

    @property
    def sender(self) -> MailSender:
        [sender] = [c for c in self.kit.runtime.components if isinstance(c, MailSender)]
        return sender

    def handle(self, envelope: Envelope) -> None:
        """Apply one event with the handler the service maps its type to."""
        [handler] = [
            h for t, h in self.handlers.mapping().items() if t.DESCRIPTOR.full_name == envelope.type
        ]
        with self.kit.db.transaction() as session:
            handler(session, envelope)

    def deliveries(self) -> list[Delivery]:
        with self.kit.db.transaction() as session:
            query = select(Delivery).order_by(Delivery.created_at, Delivery.recipient)
            return list(session.scalars(query))

    def queue_raw(self, **fields: Any) -> Delivery:
        """A delivery row as a handler would queue it."""
        values = {
            "id": fields.pop("id", None) or f"d-{len(self.deliveries())}",
            "event_id": "event-1",
            "template": "firm_application_received",
            "recipient": "wang@example.com",
            "subject": "【司法院】測試",
            "body": "內容\n",
            **fields,
        }
        with self.kit.db.transaction() as session:
            delivery = Delivery(**values)
            session.add(delivery)
        return delivery

    def delivery(self, delivery_id: str) -> Delivery:
        with self.kit.db.transaction() as session:
            row = session.get(Delivery, delivery_id)
            assert row is not None
            return row


@pytest.fixture
def service(tmp_path: Path) -> Iterator[NotificationService]:
    keys = KeyStore(tmp_path / "keys")
    config = embedded_config(
        "notification",
        tmp_path,
        JES_MAIL_URL=f"mailbox://{tmp_path}/mailbox",
        JES_MAIL_FROM="no-reply@jes.example",
        JES_PUBLIC_URL=PUBLIC_URL,
    )
    kit = build(config, verifier=TokenVerifier(keys.jwks), metrics=False)
    kit.grpc.start()  # consumer and mail sender stay off; tests drive them
    identity = FakeIdentity()
    service = NotificationService(
        kit,
        f"127.0.0.1:{kit.grpc.port}",
        TokenIssuer(keys),
        tmp_path / "mailbox",
        identity,
        Handlers(PUBLIC_URL, identity),  # type: ignore[arg-type]
        pki_of(tmp_path),
    )
    yield service
    service.consumer.close()
    kit.grpc.stop(0)
    kit.bus.close()
    kit.db.dispose()


@pytest.fixture
def transport() -> FakeTransport:
    return FakeTransport()


@pytest.fixture
def sender(service: NotificationService, transport: FakeTransport) -> MailSender:
    return MailSender(
        service.kit.db,
        transport,
        "no-reply@jes.example",
        issue_link=link_issuer(service.identity),  # type: ignore[arg-type]
    )

"""SMTP with TLS (issue 9, finding 5): STARTTLS is required and never skipped, implicit
TLS for smtps://, the server's certificate is checked against the configured CA, and
credentials go only over TLS. Against a real SMTP server (aiosmtpd) with a certificate
from a CA made for the test."""

from __future__ import annotations

import datetime
import ipaddress
import smtplib
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from jes_config import MailSecurity, ServiceConfig
from jes_notification.mail import SmtpTransport, open_transport
from support.processes import free_port

USER, PASSWORD = "jes-mailer", "mail-s3cret"


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_ca_and_server(folder: Path, label: str) -> tuple[Path, Path, Path]:
    """A CA (ca.crt) and a server certificate it signed for 127.0.0.1 (server.crt/.key)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{label} CA"))
        .issuer_name(_name(f"{label} CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "ca.crt", folder / "server.crt", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@dataclass
class Received:
    messages: list[Any] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)  # (user, over TLS)


class Handler:
    def __init__(self, received: Received):
        self.received = received

    async def handle_DATA(self, server, session, envelope):
        # after STARTTLS (session.ssl) or TLS from the first byte (the socket's ssl object)
        over_tls = session.ssl is not None or bool(server.transport.get_extra_info("ssl_object"))
        self.received.messages.append((envelope, over_tls))
        return "250 OK"


@pytest.fixture
def certs(tmp_path: Path) -> tuple[Path, Path, Path]:
    return make_ca_and_server(tmp_path / "tls", "JES test mail")


def server_context(certs: tuple[Path, Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certs[1], certs[2])
    return context


@pytest.fixture
def smtp_server(certs) -> Iterator[tuple[int, Received, dict[str, Any]]]:
    """An SMTP server that offers STARTTLS and accepts AUTH only after it."""
    received = Received()

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (USER, PASSWORD)
        received.logins.append((auth_data.login.decode(), session.ssl is not None))
        return AuthResult(success=ok)

    port = free_port()
    options: dict[str, Any] = {
        "tls_context": server_context(certs),
        "require_starttls": True,
        "authenticator": authenticate,
        "auth_require_tls": True,
    }
    controller = Controller(Handler(received), hostname="127.0.0.1", port=port, **options)
    controller.start()
    yield port, received, options
    controller.stop()


def message() -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "no-reply@jes.example", "a@example.com", "通知"
    mail.set_content("內容\n")
    return mail


def test_starttls_with_authentication_is_verified_and_encrypted(smtp_server, certs):
    port, received, _ = smtp_server
    security = MailSecurity(tls="starttls", username=USER, password=PASSWORD, ca_file=str(certs[0]))
    SmtpTransport("127.0.0.1", port, security).send(message())
    [(envelope, over_tls)] = received.messages
    assert over_tls and envelope.rcpt_tos == ["a@example.com"]
    assert received.logins == [(USER, True)]


def test_a_server_with_another_ca_is_refused(smtp_server, tmp_path):
    port, received, _ = smtp_server
    other_ca = make_ca_and_server(tmp_path / "other", "someone else")[0]
    security = MailSecurity(tls="starttls", username=USER, password=PASSWORD, ca_file=str(other_ca))
    with pytest.raises(ssl.SSLCertVerificationError):
        SmtpTransport("127.0.0.1", port, security).send(message())
    assert received.messages == [] and received.logins == []


def test_starttls_is_never_skipped_when_the_server_does_not_offer_it():
    received = Received()
    port = free_port()
    controller = Controller(Handler(received), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with pytest.raises(smtplib.SMTPNotSupportedError):
            SmtpTransport("127.0.0.1", port, MailSecurity(tls="starttls")).send(message())
    finally:
        controller.stop()
    assert received.messages == []


def test_smtps_is_tls_from_the_first_byte(certs, tmp_path):
    received = Received()
    port = free_port()
    controller = Controller(
        Handler(received), hostname="127.0.0.1", port=port, ssl_context=server_context(certs)
    )
    controller.start()
    try:
        config = ServiceConfig.load(
            "notification",
            {
                "JES_DATA_DIR": str(tmp_path),
                "JES_MAIL_URL": f"smtps://127.0.0.1:{port}",
                "JES_MAIL_CA_FILE": str(certs[0]),
            },
        )
        open_transport(config.platform.mail_url, config.platform.mail).send(message())
    finally:
        controller.stop()
    [(_, over_tls)] = received.messages
    assert over_tls


def test_the_configured_transport_requires_starttls_off_loopback(tmp_path):
    config = ServiceConfig.load(
        "notification",
        {"JES_DATA_DIR": str(tmp_path), "JES_MAIL_URL": "smtp://mail.court.example:587"},
    )
    transport = open_transport(config.platform.mail_url, config.platform.mail)
    assert isinstance(transport, SmtpTransport)
    assert (transport.host, transport.port, transport.security.tls) == (
        "mail.court.example",
        587,
        "starttls",
    )

"""A test certificate hierarchy laid out like the government PKI: two generations of
GRCA (the same name), MOICA G2 and G3 (the same name, told apart only by key
identifier), MOEACA, GCA and XCA, and card certificates with the GPKI subject directory
attributes. Generated at test time into the test's folder; never committed.

Its CRLs and OCSP answers come from `revocation_server` (HTTP on loopback)."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import core
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

GPKI_LEVEL_3 = "2.16.886.101.0.3.3"
GPKI_LEVEL_1 = "2.16.886.101.0.3.1"  # a policy the installation does not accept
ID_LAST_FOUR_DIGITS = "2.16.886.1.100.2.51"
BUSINESS_NUMBER = "2.16.886.1.100.2.101"
ORGANISATION_CODE = "2.16.886.1.100.2.102"

ROOT_OU = "政府憑證總管理中心"
OUS = {
    "MOICA": "內政部憑證管理中心",
    "MOEACA": "工商憑證管理中心",
    "GCA": "政府憑證管理中心",
    "XCA": "組織及團體憑證管理中心",
}


class _AnyValues(core.SetOf):
    _child_spec = core.Any


class _Attribute(core.Sequence):
    _fields = [("type", core.ObjectIdentifier), ("values", _AnyValues)]  # noqa: RUF012


class _Attributes(core.SequenceOf):
    _child_spec = _Attribute


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(ou: str, cn: str = "") -> x509.Name:
    parts = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "TW"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "行政院"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou),
    ]
    if cn:
        parts.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(parts)


@dataclass
class Authority:
    name: str
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey
    revoked: dict[int, dt.datetime] = field(default_factory=dict)

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


@dataclass
class Card:
    """A card's certificate and private key (the key goes into the soft token)."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey
    issuer: Authority

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


class CardPki:
    """The hierarchy. `base_url` is the revocation server's address (CRL and OCSP
    URLs go into every card certificate)."""

    def __init__(self, base_url: str, now: dt.datetime | None = None):
        self.base_url = base_url.rstrip("/")
        self.now = now or dt.datetime.now(dt.UTC)
        self.ocsp_enabled = True
        # the OCSP nonce (RFC 8954) in answers: "echo" the request's, "none" (a responder
        # that answers from a cache, as many do) or "other" (a replayed answer)
        self.ocsp_nonce = "echo"
        self.ocsp_requests: list[ocsp.OCSPRequest] = []
        start = self.now - dt.timedelta(days=365)
        end = self.now + dt.timedelta(days=3650)
        self.grca = self._root("GRCA", start, end)
        self.grca_g3 = self._root("GRCA G3", start, end)
        self.authorities: dict[str, Authority] = {
            "MOICA G2": self._intermediate("MOICA G2", OUS["MOICA"], self.grca, start, end),
            "MOICA G3": self._intermediate("MOICA G3", OUS["MOICA"], self.grca_g3, start, end),
            "MOEACA": self._intermediate("MOEACA", OUS["MOEACA"], self.grca_g3, start, end),
            "GCA": self._intermediate("GCA", OUS["GCA"], self.grca_g3, start, end),
            "XCA": self._intermediate("XCA", OUS["XCA"], self.grca_g3, start, end),
        }
        # an impostor: MOICA's very name under a root nobody configured
        self.other_root = self._root("OTHER", start, end)
        self.impostor = self._intermediate("IMPOSTOR", OUS["MOICA"], self.other_root, start, end)
        self._serial = 0x1000

    # -- the CAs ------------------------------------------------------------------------

    def _root(self, label: str, start: dt.datetime, end: dt.datetime) -> Authority:
        key = _key()
        name = _name(ROOT_OU)
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256())
        )
        return Authority(label, cert, key)

    def _intermediate(
        self, label: str, ou: str, parent: Authority, start: dt.datetime, end: dt.datetime
    ) -> Authority:
        key = _key()
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(ou))
            .issuer_name(parent.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(_aki(parent), critical=False)
            .sign(parent.key, hashes.SHA256())
        )
        return Authority(label, cert, key)

    def write_trust(self, folder: Path) -> Path:
        """roots/ (both GRCA generations) and issuers/ (the five issuing CAs), as the
        identity service reads them (JES_CERT_TRUST_DIR)."""
        (folder / "roots").mkdir(parents=True, exist_ok=True)
        (folder / "issuers").mkdir(parents=True, exist_ok=True)
        for root in (self.grca, self.grca_g3):
            (folder / "roots" / f"{root.name.replace(' ', '-')}.pem").write_bytes(root.pem)
        for authority in self.authorities.values():
            path = folder / "issuers" / f"{authority.name.replace(' ', '-')}.pem"
            path.write_bytes(authority.pem)
        return folder

    # -- cards --------------------------------------------------------------------------

    def card(
        self,
        ca: str = "MOICA G3",
        *,
        name: str = "王小明",
        id_last_four: str = "",
        business_number: str = "",
        organisation_code: str = "",
        organisation: str = "",
        encryption_only: bool = False,
        policy: str = GPKI_LEVEL_3,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> Card:
        issuer = self.impostor if ca == "IMPOSTOR" else self.authorities[ca]
        key = _key()
        self._serial += 1
        subject = [x509.NameAttribute(NameOID.COUNTRY_NAME, "TW")]
        if organisation:
            subject.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
        if business_number:
            subject.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, business_number))
        subject.append(x509.NameAttribute(NameOID.COMMON_NAME, name))
        attributes = [
            (oid, value)
            for oid, value in (
                (ID_LAST_FOUR_DIGITS, id_last_four),
                (BUSINESS_NUMBER, business_number),
                (ORGANISATION_CODE, organisation_code),
            )
            if value
        ]
        usage = x509.KeyUsage(
            digital_signature=not encryption_only,
            content_commitment=not encryption_only,
            key_encipherment=encryption_only,
            data_encipherment=encryption_only,
            key_agreement=False,
            key_cert_sign=False,
            crl_sign=False,
            encipher_only=False,
            decipher_only=False,
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name(subject))
            .issuer_name(issuer.certificate.subject)
            .public_key(key.public_key())
            .serial_number(self._serial)
            .not_valid_before(not_before or self.now - dt.timedelta(days=30))
            .not_valid_after(not_after or self.now + dt.timedelta(days=3 * 365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(_aki(issuer), critical=False)
            .add_extension(
                x509.CertificatePolicies(
                    [x509.PolicyInformation(x509.ObjectIdentifier(policy), None)]
                ),
                critical=False,
            )
            .add_extension(
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            [x509.UniformResourceIdentifier(self.crl_url(issuer))],
                            None,
                            None,
                            None,
                        )
                    ]
                ),
                critical=False,
            )
            .add_extension(
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            x509.AuthorityInformationAccessOID.OCSP,
                            x509.UniformResourceIdentifier(self.ocsp_url(issuer)),
                        )
                    ]
                ),
                critical=False,
            )
        )
        if attributes:
            sda = _Attributes(
                [
                    _Attribute({"type": oid, "values": [core.PrintableString(value)]})
                    for oid, value in attributes
                ]
            ).dump()
            builder = builder.add_extension(
                x509.UnrecognizedExtension(x509.ObjectIdentifier("2.5.29.9"), sda), False
            )
        return Card(builder.sign(issuer.key, hashes.SHA256()), key, issuer)

    def revoke(self, card: Card) -> None:
        card.issuer.revoked[card.certificate.serial_number] = self.now - dt.timedelta(hours=1)

    # -- revocation answers ---------------------------------------------------------------

    def _slug(self, authority: Authority) -> str:
        return authority.name.replace(" ", "-")

    def crl_url(self, authority: Authority) -> str:
        return f"{self.base_url}/crl/{self._slug(authority)}.crl"

    def ocsp_url(self, authority: Authority) -> str:
        return f"{self.base_url}/ocsp/{self._slug(authority)}"

    def _authority_by_slug(self, slug: str) -> Authority | None:
        for authority in [*self.authorities.values(), self.impostor]:
            if self._slug(authority) == slug:
                return authority
        return None

    def crl(self, slug: str) -> bytes | None:
        authority = self._authority_by_slug(slug)
        if authority is None:
            return None
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(authority.certificate.subject)
            .last_update(self.now - dt.timedelta(minutes=5))
            .next_update(self.now + dt.timedelta(days=1))
            .add_extension(_aki(authority), critical=False)
        )
        for serial, at in authority.revoked.items():
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(at).build()
            )
        crl = builder.sign(authority.key, hashes.SHA256())
        return crl.public_bytes(serialization.Encoding.DER)

    def ocsp_answer(self, slug: str, request_der: bytes) -> bytes | None:
        authority = self._authority_by_slug(slug)
        if authority is None or not self.ocsp_enabled:
            return None
        request = ocsp.load_der_ocsp_request(request_der)
        self.ocsp_requests.append(request)
        serial = request.serial_number
        # a card certificate is needed only for its serial and issuer; rebuild a stub
        revoked_at = authority.revoked.get(serial)
        builder = ocsp.OCSPResponseBuilder().responder_id(
            ocsp.OCSPResponderEncoding.HASH, authority.certificate
        )
        builder = builder.add_response_by_hash(
            issuer_name_hash=request.issuer_name_hash,
            issuer_key_hash=request.issuer_key_hash,
            serial_number=serial,
            algorithm=request.hash_algorithm,
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked_at else ocsp.OCSPCertStatus.GOOD,
            this_update=self.now - dt.timedelta(minutes=1),
            next_update=self.now + dt.timedelta(hours=1),
            revocation_time=revoked_at,
            revocation_reason=x509.ReasonFlags.key_compromise if revoked_at else None,
        )
        nonce = _nonce_of(request)
        if self.ocsp_nonce == "other":
            nonce = os.urandom(32)
        if nonce is not None and self.ocsp_nonce != "none":
            builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
        response = builder.sign(authority.key, hashes.SHA256())
        return response.public_bytes(serialization.Encoding.DER)


def _nonce_of(request: ocsp.OCSPRequest) -> bytes | None:
    try:
        return request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        return None


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _aki(parent: Authority) -> x509.AuthorityKeyIdentifier:
    return x509.AuthorityKeyIdentifier.from_issuer_public_key(parent.certificate.public_key())


class _RevocationHandler(BaseHTTPRequestHandler):
    pki: CardPki
    requests_seen: list[str]

    def do_GET(self) -> None:
        self.requests_seen.append(f"GET {self.path}")
        if self.path.startswith("/crl/") and self.path.endswith(".crl"):
            body = self.pki.crl(self.path.removeprefix("/crl/").removesuffix(".crl"))
            if body is not None:
                return self._send(body, "application/pkix-crl")
        self.send_error(404)

    def do_POST(self) -> None:
        self.requests_seen.append(f"POST {self.path}")
        length = int(self.headers.get("Content-Length", "0"))
        request = self.rfile.read(length)
        if self.path.startswith("/ocsp/"):
            body = self.pki.ocsp_answer(self.path.removeprefix("/ocsp/"), request)
            if body is not None:
                return self._send(body, "application/ocsp-response")
        self.send_error(503)

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class RevocationServer:
    pki: CardPki
    url: str
    requests_seen: list[str]


@contextmanager
def revocation_server(now: dt.datetime | None = None) -> Iterator[RevocationServer]:
    """The hierarchy with its CRL and OCSP responder on 127.0.0.1 (a free port)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RevocationHandler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    pki = CardPki(url, now)
    seen: list[str] = []
    handler = type("Handler", (_RevocationHandler,), {"pki": pki, "requests_seen": seen})
    server.RequestHandlerClass = handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield RevocationServer(pki, url, seen)
    finally:
        server.shutdown()
        server.server_close()

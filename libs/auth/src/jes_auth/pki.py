"""JES's internal certificate authority: one certificate per service and per court system.

Every gRPC connection is mutual TLS. A certificate names who holds it in a URI SAN:
`spiffe://jes/service/<name>` for a JES module (the gateway included) and
`spiffe://jes/court-system/<COURT_CODE>` for a court's own system, so a court system's
certificate carries the court it speaks for. A service certificate also carries its name
as a DNS SAN: clients check the server they reach is the service they meant.

Keys are ECDSA P-256. A folder holds one identity the way cert-manager writes a Secret:
`tls.crt`, `tls.key` (0600) and `ca.crt`; the CA itself is `ca/ca.crt` + `ca/ca.key`.
"""

from __future__ import annotations

import datetime
import fcntl
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "TRUST_DOMAIN",
    "CertificateAuthority",
    "PeerIdentity",
    "court_system_uri",
    "ensure_identity",
    "parse_identity",
    "service_uri",
]

TRUST_DOMAIN = "jes"
CA_LIFETIME = datetime.timedelta(days=3650)
LEAF_LIFETIME = datetime.timedelta(days=397)
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
_COURT = re.compile(r"^[A-Z]{2,8}$")


def service_uri(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a service name: {name!r}")
    return f"spiffe://{TRUST_DOMAIN}/service/{name}"


def court_system_uri(court_code: str) -> str:
    if not _COURT.match(court_code):
        raise ValueError(f"not a court code (2-8 capital letters): {court_code!r}")
    return f"spiffe://{TRUST_DOMAIN}/court-system/{court_code}"


@dataclass(frozen=True)
class PeerIdentity:
    """Who a verified certificate says its holder is: a service or a court's system."""

    kind: str  # "service" or "court-system"
    name: str  # the service name, or the court code

    @property
    def uri(self) -> str:
        return service_uri(self.name) if self.kind == "service" else court_system_uri(self.name)

    @property
    def is_service(self) -> bool:
        return self.kind == "service"

    @property
    def is_court_system(self) -> bool:
        return self.kind == "court-system"

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"


def parse_identity(uri: str) -> PeerIdentity | None:
    """The identity a JES URI SAN names; None for anything else."""
    prefix = f"spiffe://{TRUST_DOMAIN}/"
    if not uri.startswith(prefix):
        return None
    kind, _, name = uri[len(prefix) :].partition("/")
    if kind == "service" and _NAME.match(name):
        return PeerIdentity("service", name)
    if kind == "court-system" and _COURT.match(name):
        return PeerIdentity("court-system", name)
    return None


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _write(path: Path, data: bytes, mode: int) -> None:
    """Atomically, with `mode` from the start (private keys are never world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


class CertificateAuthority:
    """The CA in `folder` (`ca.crt`, `ca.key`): `init` makes it, `issue` signs identities."""

    def __init__(self, certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey):
        self.certificate = certificate
        self.key = key

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @classmethod
    def load(cls, folder: Path) -> CertificateAuthority:
        certificate = x509.load_pem_x509_certificate((folder / "ca.crt").read_bytes())
        key = serialization.load_pem_private_key((folder / "ca.key").read_bytes(), None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{folder / 'ca.key'} is not an EC private key")
        return cls(certificate, key)

    @classmethod
    def init(cls, folder: Path) -> CertificateAuthority:
        """The CA in `folder`, made if there is none (an existing CA is kept)."""
        if (folder / "ca.crt").exists() and (folder / "ca.key").exists():
            return cls.load(folder)
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "JES internal CA")])
        now = _now()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + CA_LIFETIME)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
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
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        _write(folder / "ca.key", _key_pem(key), 0o600)
        _write(folder / "ca.crt", certificate.public_bytes(serialization.Encoding.PEM), 0o644)
        return cls(certificate, key)

    def issue(self, identity: PeerIdentity, folder: Path, *, dns_names: tuple[str, ...] = ()):
        """Write `identity`'s key and certificate into `folder` (tls.key, tls.crt, ca.crt)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = _now()
        alt_names: list[x509.GeneralName] = [x509.UniformResourceIdentifier(identity.uri)]
        # A service's name is the host name its clients check (ssl_target_name_override).
        names = ((identity.name,) if identity.is_service else ()) + dns_names
        alt_names += [x509.DNSName(n) for n in dict.fromkeys(names)]
        certificate = (
            x509.CertificateBuilder()
            .subject_name(
                x509.Name(
                    [
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JES"),
                        x509.NameAttribute(NameOID.COMMON_NAME, str(identity)),
                    ]
                )
            )
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + LEAF_LIFETIME)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), False
            )
            .sign(self.key, hashes.SHA256())
        )
        _write(folder / "tls.key", _key_pem(key), 0o600)
        _write(folder / "tls.crt", certificate.public_bytes(serialization.Encoding.PEM), 0o644)
        _write(folder / "ca.crt", self.pem, 0o644)


def ensure_identity(pki_dir: Path, identity: PeerIdentity) -> Path:
    """Local runs: `pki_dir/<name>/` holds `identity`'s certificate, issued by the CA in
    `pki_dir/ca` (made on first use). Returns the identity's folder."""
    folder = pki_dir / (identity.name if identity.is_service else f"court-system-{identity.name}")
    pki_dir.mkdir(parents=True, exist_ok=True)
    # Processes started together (distributed tests) must not each make a CA.
    with open(pki_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _ensure_identity(pki_dir, folder, identity)


def _ensure_identity(pki_dir: Path, folder: Path, identity: PeerIdentity) -> Path:
    ca = CertificateAuthority.init(pki_dir / "ca")
    current = folder / "tls.crt"
    if current.exists() and (folder / "tls.key").exists():
        cert = x509.load_pem_x509_certificate(current.read_bytes())
        same_ca = (folder / "ca.crt").exists() and (folder / "ca.crt").read_bytes() == ca.pem
        if same_ca and cert.not_valid_after_utc > _now() + datetime.timedelta(days=7):
            return folder
    ca.issue(identity, folder)
    return folder

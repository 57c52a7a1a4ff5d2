"""Where a certificate login's trust comes from: the CA profiles (configuration data in
certificate_authorities.json) and the CA certificates of JES_CERT_TRUST_DIR
(roots/*.pem: GRCA generations; issuers/*.pem: every generation of MOICA, MOEACA, GCA,
XCA). Without the folder, certificate login is off (every attempt is refused)."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography import x509

from jes_identity.domain.certificates import CertificateAuthorityProfile, CertificateKind, Trust

PROFILES_FILE = Path(__file__).with_name("certificate_authorities.json")


def load_profiles(path: Path = PROFILES_FILE) -> list[CertificateAuthorityProfile]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        CertificateAuthorityProfile(
            name=entry["name"],
            subject_ou=entry["subject_ou"],
            kind=CertificateKind(entry["kind"]),
            policy_oids=frozenset(entry["policy_oids"]),
        )
        for entry in data["authorities"]
    ]


def _certificates(folder: Path) -> list[x509.Certificate]:
    found: list[x509.Certificate] = []
    for path in sorted(folder.glob("*.pem")) if folder.is_dir() else []:
        found.extend(x509.load_pem_x509_certificates(path.read_bytes()))
    return found


def load_trust(folder: Path | None) -> Trust:
    if folder is None:
        return Trust(roots=[], issuers=[], profiles=load_profiles())
    return Trust(
        roots=_certificates(folder / "roots"),
        issuers=_certificates(folder / "issuers"),
        profiles=load_profiles(),
    )

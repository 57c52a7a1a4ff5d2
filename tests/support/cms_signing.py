"""PKCS#7 / CMS SignedData as the HiPKI component makes it (attached content, signed
attributes, SHA-256 with RSA), assembled with asn1crypto around a signing function:
a private key in memory, or the soft token through PKCS#11."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


@dataclass(frozen=True)
class Signer:
    certificate_der: bytes
    sign: Callable[[bytes], bytes]  # SHA-256 with RSA PKCS#1 v1.5 over the given bytes


def key_signer(certificate_der: bytes, key: rsa.RSAPrivateKey) -> Signer:
    return Signer(certificate_der, lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256()))


def signed_data(content: bytes, signers: Sequence[Signer]) -> bytes:
    """A DER ContentInfo with one SignerInfo per signer."""
    digest = hashlib.sha256(content).digest()
    certificates = []
    infos = []
    for signer in signers:
        certificate = asn1_x509.Certificate.load(signer.certificate_der)
        certificates.append(certificate)
        attrs = cms.CMSAttributes(
            [
                cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
                cms.CMSAttribute(
                    {"type": "signing_time", "values": [cms.Time({"utc_time": datetime.now(UTC)})]}
                ),
                cms.CMSAttribute({"type": "message_digest", "values": [digest]}),
            ]
        )
        signature = signer.sign(attrs.dump())
        infos.append(
            cms.SignerInfo(
                {
                    "version": "v1",
                    "sid": cms.SignerIdentifier(
                        {
                            "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                                {
                                    "issuer": certificate.issuer,
                                    "serial_number": certificate.serial_number,
                                }
                            )
                        }
                    ),
                    "digest_algorithm": {"algorithm": "sha256"},
                    "signed_attrs": attrs,
                    "signature_algorithm": {"algorithm": "sha256_rsa"},
                    "signature": signature,
                }
            )
        )
    data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": "sha256"}],
            "encap_content_info": {"content_type": "data", "content": content},
            "certificates": certificates,
            "signer_infos": infos,
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": data}).dump()

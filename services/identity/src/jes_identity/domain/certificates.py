"""Certificate login rules (憑證註冊 / 憑證登入): is a PKCS#7 signature over the server's
challenge text the work of one holder of a card certificate this installation trusts?

Pure: bytes, the trust configuration and the time come in; a `VerifiedSigner` or a
`CertificateRefused` (zh-TW message) comes out. Revocation needs the network, so the
use case asks the revocation checker and hands its answer to `revocation_problem`.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from jes_domain import InvalidArgument


class CertificateKind(enum.StrEnum):
    NATURAL_PERSON = "natural_person"  # 自然人憑證 (MOICA)
    BUSINESS = "business"  # 工商憑證 (MOEACA)
    GOVERNMENT = "government"  # 政府機關憑證 (GCA)
    ORGANISATION = "organisation"  # 組織及團體憑證 (XCA)


KIND_LABELS = {
    CertificateKind.NATURAL_PERSON: "自然人憑證",
    CertificateKind.BUSINESS: "工商憑證",
    CertificateKind.GOVERNMENT: "政府機關憑證",
    CertificateKind.ORGANISATION: "組織及團體憑證",
}

# Subject directory attributes (2.5.29.9) of the GPKI certificate profile
ID_LAST_FOUR_DIGITS = "2.16.886.1.100.2.51"  # MOICA: the national ID's last four digits
BUSINESS_NUMBER = "2.16.886.1.100.2.101"  # MOEACA: 統一編號
ORGANISATION_CODE = "2.16.886.1.100.2.102"  # GCA, XCA: 機關/團體代碼


class CertificateRefused(InvalidArgument):
    """The signature or its certificate is not accepted; the message says why."""

    def __init__(self, message: str):
        super().__init__(message, fields={"signature": message})


NOT_A_SIGNATURE = "簽章格式不正確，請重新以憑證簽章"
ONE_SIGNER_ONLY = "簽章必須由一張憑證簽署"
WRONG_CONTENT = "簽章內容與本次驗證碼不符，請重新簽章"
BAD_SIGNATURE = "簽章驗證失敗"
CERTIFICATE_MISMATCH = "簽章憑證與元件回傳的憑證不符"
UNKNOWN_ISSUER = "憑證不是由本系統接受的憑證機構所簽發"
NOT_YET_VALID_OR_EXPIRED = "憑證不在有效期間內"
NOT_A_SIGNING_CERTIFICATE = "請使用簽章用憑證，不可使用加密用憑證"
WRONG_POLICY = "憑證政策不符本系統接受的憑證種類"
REVOKED = "憑證已被廢止"
REVOCATION_UNKNOWN = "目前無法確認憑證是否已廢止，請稍後再試"


@dataclass(frozen=True)
class CertificateAuthorityProfile:
    """One kind of issuing CA (configuration data): which subject OU names it, which
    kind of certificate it issues and the policy OIDs its end-entity certificates
    must carry."""

    name: str  # MOICA, MOEACA, GCA, XCA
    subject_ou: str  # e.g. 內政部憑證管理中心; every generation of a CA has the same one
    kind: CertificateKind
    policy_oids: frozenset[str]


@dataclass(frozen=True)
class Trust:
    """The pinned roots (GRCA generations), the issuing CAs (every generation of
    MOICA, MOEACA, GCA, XCA) and the profiles that say what each CA issues."""

    roots: Sequence[x509.Certificate]
    issuers: Sequence[x509.Certificate]
    profiles: Sequence[CertificateAuthorityProfile]


@dataclass(frozen=True)
class VerifiedSigner:
    certificate: x509.Certificate
    issuer: x509.Certificate
    profile: CertificateAuthorityProfile
    name: str  # the holder (natural person) or the organisation
    id_last_four: str = ""  # MOICA
    business_number: str = ""  # MOEACA
    organisation_code: str = ""  # GCA, XCA
    ocsp_urls: tuple[str, ...] = field(default=())
    crl_urls: tuple[str, ...] = field(default=())

    @property
    def issuer_key_id(self) -> str:
        return key_identifier(self.issuer).hex()

    @property
    def serial_hex(self) -> str:
        return format(self.certificate.serial_number, "x")


class RevocationStatus(enum.Enum):
    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"  # neither OCSP nor a cached CRL could say


def revocation_problem(status: RevocationStatus) -> None:
    """Fail closed: a certificate whose status no one can tell is not accepted."""
    if status is RevocationStatus.REVOKED:
        raise CertificateRefused(REVOKED)
    if status is RevocationStatus.UNKNOWN:
        raise CertificateRefused(REVOCATION_UNKNOWN)


def key_identifier(certificate: x509.Certificate) -> bytes:
    """The subject key identifier (the SHA-1 of the public key when it has none)."""
    try:
        return certificate.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier
        ).value.digest
    except x509.ExtensionNotFound:
        return x509.SubjectKeyIdentifier.from_public_key(certificate.public_key()).digest


def authority_key_identifier(certificate: x509.Certificate) -> bytes | None:
    try:
        aki = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    except x509.ExtensionNotFound:
        return None
    return aki.key_identifier


def verify_signed_challenge(
    signature_der: bytes,
    expected_content: bytes,
    trust: Trust,
    now: datetime,
    reported_certificate_der: bytes | None = None,
) -> VerifiedSigner:
    """Everything but revocation: one signer, the exact challenge text, a valid
    signature, the chain to a pinned root through the CA matched by key identifier,
    validity, a signing certificate and the policy of its CA's profile."""
    signed_data = _signed_data(signature_der)
    signer_infos = signed_data["signer_infos"]
    if len(signer_infos) != 1:
        raise CertificateRefused(ONE_SIGNER_ONLY)
    signer_info = signer_infos[0]
    content = signed_data["encap_content_info"]["content"].native
    if content != expected_content:
        raise CertificateRefused(WRONG_CONTENT)
    certificate = _signer_certificate(signed_data, signer_info)
    if (
        reported_certificate_der is not None
        and reported_certificate_der != certificate.public_bytes(Encoding.DER)
    ):
        raise CertificateRefused(CERTIFICATE_MISMATCH)
    _check_signature(signer_info, content, certificate)
    issuer = _verified_issuer(certificate, trust, now)
    _check_signing_usage(certificate)
    profile = _profile_of(issuer, trust)
    _check_policy(certificate, profile)
    return _signer(certificate, issuer, profile)


def describe_verified(certificate: x509.Certificate, trust: Trust, now: datetime) -> VerifiedSigner:
    """The facts of a certificate whose signature was verified before (a registration's
    second step): its chain, usage and policy are checked again."""
    issuer = _verified_issuer(certificate, trust, now)
    _check_signing_usage(certificate)
    profile = _profile_of(issuer, trust)
    _check_policy(certificate, profile)
    return _signer(certificate, issuer, profile)


def _signed_data(signature_der: bytes) -> cms.SignedData:
    try:
        info = cms.ContentInfo.load(signature_der)
        if info["content_type"].native != "signed_data":
            raise CertificateRefused(NOT_A_SIGNATURE)
        signed_data = info["content"]
        signed_data.native  # noqa: B018 (parses everything now, so bad DER fails here)
    except CertificateRefused:
        raise
    except (ValueError, TypeError, KeyError):
        raise CertificateRefused(NOT_A_SIGNATURE) from None
    if not isinstance(signed_data, cms.SignedData):
        raise CertificateRefused(NOT_A_SIGNATURE)
    return signed_data


def _signer_certificate(
    signed_data: cms.SignedData, signer_info: cms.SignerInfo
) -> x509.Certificate:
    sid = signer_info["sid"]
    for choice in signed_data["certificates"] or []:
        if choice.name != "certificate":
            continue
        candidate: asn1_x509.Certificate = choice.chosen
        if sid.name == "issuer_and_serial_number":
            matches = (
                candidate.issuer == sid.chosen["issuer"]
                and candidate.serial_number == sid.chosen["serial_number"].native
            )
        else:
            matches = candidate.key_identifier == sid.chosen.native
        if matches:
            return x509.load_der_x509_certificate(candidate.dump())
    raise CertificateRefused(NOT_A_SIGNATURE)


_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def _check_signature(
    signer_info: cms.SignerInfo, content: bytes, certificate: x509.Certificate
) -> None:
    hash_name = signer_info["digest_algorithm"]["algorithm"].native
    if hash_name not in _HASHES or hash_name == "sha1":
        raise CertificateRefused(BAD_SIGNATURE)
    algorithm = _HASHES[hash_name]()
    signed_attrs = signer_info["signed_attrs"]
    if signed_attrs.native is not None and len(signed_attrs):
        digest = hashes.Hash(_HASHES[hash_name]())
        digest.update(content)
        message_digest = _attribute(signed_attrs, "message_digest")
        if (
            message_digest != digest.finalize()
            or _attribute(signed_attrs, "content_type") != "data"
        ):
            raise CertificateRefused(BAD_SIGNATURE)
        # signed attributes are signed as an explicit SET OF, not the [0] IMPLICIT tag
        signed_bytes = signed_attrs.untag().dump(force=True)
    else:
        signed_bytes = content
    signature = signer_info["signature"].native
    key = certificate.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            if signer_info["signature_algorithm"].signature_algo == "rsassa_pss":
                pss = padding.PSS(mgf=padding.MGF1(algorithm), salt_length=padding.PSS.AUTO)
                key.verify(signature, signed_bytes, pss, algorithm)
            else:
                key.verify(signature, signed_bytes, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed_bytes, ec.ECDSA(algorithm))
        else:
            raise CertificateRefused(BAD_SIGNATURE)
    except (InvalidSignature, ValueError):
        raise CertificateRefused(BAD_SIGNATURE) from None


def _attribute(signed_attrs: cms.CMSAttributes, name: str) -> object:
    for attribute in signed_attrs:
        if attribute["type"].native == name:
            values = attribute["values"].native
            return values[0] if len(values) == 1 else None
    return None


def _valid_at(certificate: x509.Certificate, now: datetime) -> bool:
    return certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _issued_by(
    certificate: x509.Certificate, candidates: Sequence[x509.Certificate]
) -> x509.Certificate:
    """The candidate whose key identifier is the certificate's authority key identifier
    and whose key verifies its signature. Names are not enough: every generation of
    MOICA has the same subject name."""
    wanted = authority_key_identifier(certificate)
    for candidate in candidates:
        if wanted is not None and key_identifier(candidate) != wanted:
            continue
        if wanted is None and candidate.subject != certificate.issuer:
            continue
        try:
            certificate.verify_directly_issued_by(candidate)
        except (ValueError, TypeError, InvalidSignature):
            continue
        if _is_ca(candidate):
            return candidate
    raise CertificateRefused(UNKNOWN_ISSUER)


def _verified_issuer(
    certificate: x509.Certificate, trust: Trust, now: datetime
) -> x509.Certificate:
    if _is_ca(certificate):
        raise CertificateRefused(NOT_A_SIGNING_CERTIFICATE)
    issuer = _issued_by(certificate, trust.issuers)
    root = _issued_by(issuer, trust.roots)  # the issuing CA chains to a pinned root
    for link in (certificate, issuer, root):
        if not _valid_at(link, now):
            raise CertificateRefused(NOT_YET_VALID_OR_EXPIRED)
    return issuer


def _check_signing_usage(certificate: x509.Certificate) -> None:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise CertificateRefused(NOT_A_SIGNING_CERTIFICATE) from None
    if not (usage.digital_signature or usage.content_commitment):
        raise CertificateRefused(NOT_A_SIGNING_CERTIFICATE)


def _profile_of(issuer: x509.Certificate, trust: Trust) -> CertificateAuthorityProfile:
    units = {
        str(a.value)
        for a in issuer.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    }
    for profile in trust.profiles:
        if profile.subject_ou in units:
            return profile
    raise CertificateRefused(UNKNOWN_ISSUER)


def _check_policy(certificate: x509.Certificate, profile: CertificateAuthorityProfile) -> None:
    try:
        policies = certificate.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except x509.ExtensionNotFound:
        raise CertificateRefused(WRONG_POLICY) from None
    if not {p.policy_identifier.dotted_string for p in policies} & profile.policy_oids:
        raise CertificateRefused(WRONG_POLICY)


class _AnyValues(core.SetOf):
    _child_spec = core.Any


class _DirectoryAttribute(core.Sequence):
    _fields = [("type", core.ObjectIdentifier), ("values", _AnyValues)]  # noqa: RUF012 (asn1crypto spec)


class DirectoryAttributes(core.SequenceOf):
    """SubjectDirectoryAttributes (RFC 5280 4.2.1.8) with values of any type; asn1crypto's
    own class knows only a few attribute types."""

    _child_spec = _DirectoryAttribute


def subject_directory_attributes(certificate: x509.Certificate) -> dict[str, str]:
    """The GPKI attributes (ID digits, business number, organisation code) as text."""
    try:
        raw = certificate.extensions.get_extension_for_oid(x509.ObjectIdentifier("2.5.29.9")).value
    except x509.ExtensionNotFound:
        return {}
    if not isinstance(raw, x509.UnrecognizedExtension):
        return {}
    found: dict[str, str] = {}
    try:
        for attribute in DirectoryAttributes.load(raw.value):
            values = attribute["values"]
            if len(values):
                native = values[0].parse().native
                if isinstance(native, str):
                    found[attribute["type"].dotted] = native
    except (ValueError, TypeError):
        return {}
    return found


def _urls(certificate: x509.Certificate) -> tuple[tuple[str, ...], tuple[str, ...]]:
    ocsp: list[str] = []
    crl: list[str] = []
    try:
        aia = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
        for description in aia.value:
            if description.access_method == x509.AuthorityInformationAccessOID.OCSP:
                ocsp.append(str(description.access_location.value))
    except x509.ExtensionNotFound:
        pass
    try:
        points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints)
        for point in points.value:
            for name in point.full_name or []:
                if isinstance(name, x509.UniformResourceIdentifier):
                    crl.append(name.value)
    except x509.ExtensionNotFound:
        pass
    return tuple(ocsp), tuple(crl)


def _first(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def _signer(
    certificate: x509.Certificate, issuer: x509.Certificate, profile: CertificateAuthorityProfile
) -> VerifiedSigner:
    attributes = subject_directory_attributes(certificate)
    subject = certificate.subject
    if profile.kind is CertificateKind.NATURAL_PERSON:
        name = _first(subject, NameOID.COMMON_NAME)
    else:
        name = _first(subject, NameOID.ORGANIZATION_NAME) or _first(subject, NameOID.COMMON_NAME)
    business_number = attributes.get(BUSINESS_NUMBER, "")
    if profile.kind is CertificateKind.BUSINESS and not business_number:
        business_number = _first(subject, NameOID.SERIAL_NUMBER)
    ocsp, crl = _urls(certificate)
    return VerifiedSigner(
        certificate=certificate,
        issuer=issuer,
        profile=profile,
        name=name,
        id_last_four=attributes.get(ID_LAST_FOUR_DIGITS, ""),
        business_number=business_number,
        organisation_code=attributes.get(ORGANISATION_CODE, ""),
        ocsp_urls=ocsp,
        crl_urls=crl,
    )


def certificate_fingerprint(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()

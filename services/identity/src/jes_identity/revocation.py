"""Is a card certificate revoked? OCSP first (a small request, a short timeout); when
the responder cannot answer, the CRL that a background task keeps cached. A login never
downloads a CRL (MOICA G2's is about 20 MB): a CRL URL seen at a login is only noted,
and the next background refresh fetches it."""

from __future__ import annotations

import logging
import os
import threading
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from jes_identity.domain.certificates import RevocationStatus, VerifiedSigner, key_identifier

log = logging.getLogger(__name__)

OCSP_TIMEOUT_SECONDS = 3.0
# RFC 8954: 32 random octets a request. An answer without a nonce is still believed (many
# responders answer from a cache and leave it out); one with another nonce is a replay.
OCSP_NONCE_BYTES = 32
CRL_TIMEOUT_SECONDS = 120.0
CLOCK_SKEW = timedelta(minutes=5)


def _now() -> datetime:
    return datetime.now(UTC)


def _verify(key: object, signature: bytes, data: bytes, algorithm: hashes.HashAlgorithm) -> bool:
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(algorithm))
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def _nonce_of(response: ocsp.OCSPResponse) -> bytes | None:
    try:
        return response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        return None


class RevocationChecker:
    def __init__(
        self,
        crl_urls: tuple[str, ...] = (),
        clock: Callable[[], datetime] = _now,
        ocsp_timeout: float = OCSP_TIMEOUT_SECONDS,
    ):
        self._clock = clock
        self._ocsp_timeout = ocsp_timeout
        self._lock = threading.Lock()
        self._crls: dict[str, x509.CertificateRevocationList] = {}
        self._wanted: set[str] = set(crl_urls)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- at a login ---------------------------------------------------------------------

    def status(self, signer: VerifiedSigner) -> RevocationStatus:
        for url in signer.ocsp_urls:
            answer = self._ask_ocsp(url, signer.certificate, signer.issuer)
            if answer is not None:
                return answer
        for url in signer.crl_urls:
            with self._lock:
                self._wanted.add(url)
                crl = self._crls.get(url)
            if crl is not None and self._crl_speaks_for(crl, signer.issuer):
                revoked = crl.get_revoked_certificate_by_serial_number(
                    signer.certificate.serial_number
                )
                return RevocationStatus.REVOKED if revoked else RevocationStatus.GOOD
        return RevocationStatus.UNKNOWN

    def _ask_ocsp(
        self, url: str, certificate: x509.Certificate, issuer: x509.Certificate
    ) -> RevocationStatus | None:
        nonce = os.urandom(OCSP_NONCE_BYTES)
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(certificate, issuer, hashes.SHA1())  # noqa: S303 (OCSP's CertID)
            .add_extension(x509.OCSPNonce(nonce), critical=False)
            .build()
        )
        http_request = urllib.request.Request(  # noqa: S310 (the CA's http URL)
            url,
            data=request.public_bytes(serialization.Encoding.DER),
            headers={"Content-Type": "application/ocsp-request"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(http_request, timeout=self._ocsp_timeout) as reply:  # noqa: S310
                response = ocsp.load_der_ocsp_response(reply.read(1_000_000))
        except (OSError, ValueError) as exc:
            log.warning("OCSP %s did not answer: %s", url, exc)
            return None
        if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
            return None
        if not self._signed_for(response, issuer):
            log.warning("OCSP %s: the answer is not signed for the issuer", url)
            return None
        if _nonce_of(response) not in (None, nonce):
            log.warning("OCSP %s: the answer carries another request's nonce", url)
            return None
        now = self._clock()
        for single in response.responses:
            if single.serial_number != certificate.serial_number:
                continue
            if single.issuer_key_hash != key_identifier_sha1(issuer):
                continue
            if single.this_update_utc > now + CLOCK_SKEW:
                continue
            if single.next_update_utc is not None and single.next_update_utc < now - CLOCK_SKEW:
                continue
            if single.certificate_status == ocsp.OCSPCertStatus.GOOD:
                return RevocationStatus.GOOD
            if single.certificate_status == ocsp.OCSPCertStatus.REVOKED:
                return RevocationStatus.REVOKED
        return None

    def _signed_for(self, response: ocsp.OCSPResponse, issuer: x509.Certificate) -> bool:
        """Signed by the issuing CA itself, or by a responder it certified for OCSP."""
        issuer_signed = (
            response.responder_key_hash == key_identifier_sha1(issuer)
            or response.responder_name == issuer.subject
        )
        algorithm = response.signature_hash_algorithm
        if algorithm is None:
            return False
        if issuer_signed:
            return _verify(
                issuer.public_key(), response.signature, response.tbs_response_bytes, algorithm
            )
        for delegate in response.certificates:
            try:
                delegate.verify_directly_issued_by(issuer)
                usage = delegate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
                continue
            if ExtendedKeyUsageOID.OCSP_SIGNING in usage and _verify(
                delegate.public_key(), response.signature, response.tbs_response_bytes, algorithm
            ):
                return True
        return False

    def _crl_speaks_for(
        self, crl: x509.CertificateRevocationList, issuer: x509.Certificate
    ) -> bool:
        key = issuer.public_key()
        if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
            return False
        if crl.issuer != issuer.subject or not crl.is_signature_valid(key):
            return False
        try:
            aki = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
            if aki.key_identifier is not None and aki.key_identifier != key_identifier(issuer):
                return False  # the other generation of the same CA name
        except x509.ExtensionNotFound:
            pass
        next_update = crl.next_update_utc
        return next_update is None or next_update >= self._clock() - CLOCK_SKEW

    # -- in the background ----------------------------------------------------------------

    def refresh(self) -> int:
        """Fetch every CRL seen so far; returns how many were fetched. A failed fetch
        keeps the copy already cached."""
        with self._lock:
            urls = sorted(self._wanted)
        fetched = 0
        for url in urls:
            try:
                with urllib.request.urlopen(url, timeout=CRL_TIMEOUT_SECONDS) as reply:  # noqa: S310
                    data = reply.read()
                crl = (
                    x509.load_pem_x509_crl(data)
                    if data.startswith(b"-----")
                    else x509.load_der_x509_crl(data)
                )
            except (OSError, ValueError) as exc:
                log.warning("CRL %s not refreshed: %s", url, exc)
                continue
            with self._lock:
                self._crls[url] = crl
            fetched += 1
        return fetched

    def start(self, interval: timedelta) -> None:
        def loop() -> None:
            self.refresh()
            while not self._stop.wait(interval.total_seconds()):
                self.refresh()

        self._thread = threading.Thread(target=loop, name="crl-refresh", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def key_identifier_sha1(issuer: x509.Certificate) -> bytes:
    """OCSP's issuer key hash: SHA-1 of the issuer's public key bits."""
    return x509.SubjectKeyIdentifier.from_public_key(issuer.public_key()).digest

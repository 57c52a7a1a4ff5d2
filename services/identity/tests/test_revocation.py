"""Revocation against the test CAs' OCSP responder and CRLs on loopback: OCSP first, the
CRL cached by the background refresh when OCSP cannot answer, never a download during a
check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from cryptography import x509

from jes_identity.certificate_trust import load_profiles
from jes_identity.domain import certificates as rules
from jes_identity.domain.certificates import RevocationStatus, Trust
from jes_identity.revocation import RevocationChecker
from support.card_pki import Card, RevocationServer, revocation_server
from support.cms_signing import key_signer, signed_data

TEXT = b"challenge"


@pytest.fixture
def server() -> Iterator[RevocationServer]:
    with revocation_server() as running:
        yield running


def signer_of(server: RevocationServer, card: Card) -> rules.VerifiedSigner:
    pki = server.pki
    trust = Trust(
        roots=[pki.grca.certificate, pki.grca_g3.certificate],
        issuers=[a.certificate for a in pki.authorities.values()],
        profiles=load_profiles(),
    )
    signature = signed_data(TEXT, [key_signer(card.der, card.key)])
    return rules.verify_signed_challenge(signature, TEXT, trust, dt.datetime.now(dt.UTC))


def test_ocsp_says_good_or_revoked(server: RevocationServer) -> None:
    good, bad = server.pki.card(), server.pki.card()
    server.pki.revoke(bad)
    checker = RevocationChecker()
    assert checker.status(signer_of(server, good)) is RevocationStatus.GOOD
    assert checker.status(signer_of(server, bad)) is RevocationStatus.REVOKED
    assert not [r for r in server.requests_seen if r.startswith("GET")]


def test_each_ocsp_request_carries_a_fresh_nonce(server: RevocationServer) -> None:
    """RFC 8954: 32 random octets a request, so an answer cannot be replayed to it."""
    card = server.pki.card()
    checker = RevocationChecker()
    for _ in range(2):
        assert checker.status(signer_of(server, card)) is RevocationStatus.GOOD
    nonces = [
        r.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        for r in server.pki.ocsp_requests
    ]
    assert len(nonces) == 2 and all(len(n) == 32 for n in nonces) and nonces[0] != nonces[1]


def test_an_answer_with_another_nonce_is_not_believed(server: RevocationServer) -> None:
    """A replayed answer (a nonce not this request's) says nothing: without a cached CRL
    the card's status is unknown, even though the answer says good."""
    server.pki.ocsp_nonce = "other"
    checker = RevocationChecker()
    assert checker.status(signer_of(server, server.pki.card())) is RevocationStatus.UNKNOWN


def test_an_answer_without_a_nonce_is_still_believed(server: RevocationServer) -> None:
    """Many CAs' responders answer from a cache and leave the nonce out (RFC 8954 lets
    the client decide): its signature and times are checked as before."""
    server.pki.ocsp_nonce = "none"
    good, bad = server.pki.card(), server.pki.card()
    server.pki.revoke(bad)
    checker = RevocationChecker()
    assert checker.status(signer_of(server, good)) is RevocationStatus.GOOD
    assert checker.status(signer_of(server, bad)) is RevocationStatus.REVOKED


def test_without_ocsp_the_cached_crl_answers_after_a_background_refresh(
    server: RevocationServer,
) -> None:
    good, bad = server.pki.card("MOICA G2"), server.pki.card("MOICA G2")
    server.pki.revoke(bad)
    server.pki.ocsp_enabled = False
    checker = RevocationChecker()
    # nothing cached yet: unknown, and the check itself downloads nothing
    assert checker.status(signer_of(server, bad)) is RevocationStatus.UNKNOWN
    assert not [r for r in server.requests_seen if r.startswith("GET")]
    assert checker.refresh() == 1  # the background task's work
    assert server.requests_seen[-1] == "GET /crl/MOICA-G2.crl"
    assert checker.status(signer_of(server, bad)) is RevocationStatus.REVOKED
    assert checker.status(signer_of(server, good)) is RevocationStatus.GOOD


def test_a_crl_of_the_other_generation_of_the_same_ca_name_does_not_count(
    server: RevocationServer,
) -> None:
    """MOICA G2's CRL has MOICA G3's issuer name but not its key."""
    server.pki.ocsp_enabled = False
    g3_card = server.pki.card("MOICA G3")
    g3_signer = signer_of(server, g3_card)
    g2_url = server.pki.crl_url(server.pki.authorities["MOICA G2"])
    checker = RevocationChecker(crl_urls=(g2_url,))
    checker.refresh()
    moved = rules.VerifiedSigner(
        certificate=g3_signer.certificate,
        issuer=g3_signer.issuer,
        profile=g3_signer.profile,
        name=g3_signer.name,
        crl_urls=(g2_url,),
    )
    assert checker.status(moved) is RevocationStatus.UNKNOWN


def test_the_background_refresh_runs_as_a_thread_and_stops(server: RevocationServer) -> None:
    server.pki.ocsp_enabled = False
    card = server.pki.card("XCA", organisation_code="A1")
    url = server.pki.crl_url(server.pki.authorities["XCA"])
    checker = RevocationChecker(crl_urls=(url,))
    checker.start(dt.timedelta(hours=1))
    checker.stop()
    assert "GET /crl/XCA.crl" in server.requests_seen
    assert checker.status(signer_of(server, card)) is RevocationStatus.GOOD

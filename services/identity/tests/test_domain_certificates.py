"""The certificate login rules on a real test hierarchy (GRCA → MOICA G2/G3, MOEACA,
GCA, XCA) and real CMS signatures."""

from __future__ import annotations

import datetime as dt

import pytest

from jes_identity.certificate_trust import load_profiles
from jes_identity.domain import certificates as rules
from jes_identity.domain.certificates import CertificateKind, CertificateRefused, Trust
from support.card_pki import GPKI_LEVEL_1, CardPki
from support.cms_signing import key_signer, signed_data

CHALLENGE = "JES 憑證註冊\n驗證碼: 3f9a\n".encode()


@pytest.fixture(scope="module")
def pki() -> CardPki:
    return CardPki("http://127.0.0.1:9")


@pytest.fixture(scope="module")
def trust(pki: CardPki) -> Trust:
    return Trust(
        roots=[pki.grca.certificate, pki.grca_g3.certificate],
        issuers=[a.certificate for a in pki.authorities.values()],
        profiles=load_profiles(),
    )


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def sign(card, content: bytes = CHALLENGE) -> bytes:  # type: ignore[no-untyped-def]
    return signed_data(content, [key_signer(card.der, card.key)])


def refused(reason: str, signature: bytes, trust: Trust, **kw: object) -> None:
    with pytest.raises(CertificateRefused) as caught:
        rules.verify_signed_challenge(signature, CHALLENGE, trust, now(), **kw)  # type: ignore[arg-type]
    assert caught.value.message == reason
    assert caught.value.fields == {"signature": reason}


def test_a_natural_person_card_gives_the_name_and_the_id_digits(pki: CardPki, trust: Trust) -> None:
    card = pki.card("MOICA G3", name="王小明", id_last_four="6789")
    signer = rules.verify_signed_challenge(sign(card), CHALLENGE, trust, now(), card.der)
    assert signer.profile.kind is CertificateKind.NATURAL_PERSON
    assert signer.profile.name == "MOICA"
    assert signer.name == "王小明"
    assert signer.id_last_four == "6789"
    assert signer.issuer == pki.authorities["MOICA G3"].certificate
    assert signer.ocsp_urls == (pki.ocsp_url(pki.authorities["MOICA G3"]),)
    assert signer.crl_urls == (pki.crl_url(pki.authorities["MOICA G3"]),)


def test_the_issuer_is_chosen_by_key_identifier_not_by_name(pki: CardPki, trust: Trust) -> None:
    """MOICA G2 and G3 have the same subject name; each card chains to its own."""
    old = pki.card("MOICA G2", name="陳大文")
    signer = rules.verify_signed_challenge(sign(old), CHALLENGE, trust, now())
    assert signer.issuer == pki.authorities["MOICA G2"].certificate
    assert (
        signer.issuer_key_id == rules.key_identifier(pki.authorities["MOICA G2"].certificate).hex()
    )


def test_a_business_card_gives_the_company_and_its_unified_business_number(
    pki: CardPki, trust: Trust
) -> None:
    card = pki.card(
        "MOEACA",
        name="大明股份有限公司",
        organisation="大明股份有限公司",
        business_number="22099131",
    )
    signer = rules.verify_signed_challenge(sign(card), CHALLENGE, trust, now())
    assert signer.profile.kind is CertificateKind.BUSINESS
    assert signer.name == "大明股份有限公司"
    assert signer.business_number == "22099131"


def test_government_and_organisation_cards_give_their_organisation_code(
    pki: CardPki, trust: Trust
) -> None:
    for ca, kind in (("GCA", CertificateKind.GOVERNMENT), ("XCA", CertificateKind.ORGANISATION)):
        card = pki.card(ca, name="某某協會", organisation="某某協會", organisation_code="A12345")
        signer = rules.verify_signed_challenge(sign(card), CHALLENGE, trust, now())
        assert (signer.profile.kind, signer.organisation_code) == (kind, "A12345")


def test_two_signers_are_refused(pki: CardPki, trust: Trust) -> None:
    first, second = pki.card(), pki.card(name="李四")
    both = signed_data(
        CHALLENGE, [key_signer(first.der, first.key), key_signer(second.der, second.key)]
    )
    refused(rules.ONE_SIGNER_ONLY, both, trust)


def test_a_signature_over_other_text_is_refused(pki: CardPki, trust: Trust) -> None:
    """An earlier challenge's signature (a replay) does not sign this one."""
    card = pki.card()
    refused(rules.WRONG_CONTENT, sign(card, "JES 憑證註冊\n驗證碼: 0000\n".encode()), trust)


def test_a_forged_signature_is_refused(pki: CardPki, trust: Trust) -> None:
    card, other = pki.card(), pki.card()
    forged = signed_data(CHALLENGE, [key_signer(card.der, other.key)])
    refused(rules.BAD_SIGNATURE, forged, trust)


def test_an_expired_card_is_refused(pki: CardPki, trust: Trust) -> None:
    card = pki.card(
        not_before=now() - dt.timedelta(days=900), not_after=now() - dt.timedelta(days=1)
    )
    refused(rules.NOT_YET_VALID_OR_EXPIRED, sign(card), trust)


def test_the_encryption_certificate_is_refused(pki: CardPki, trust: Trust) -> None:
    refused(rules.NOT_A_SIGNING_CERTIFICATE, sign(pki.card(encryption_only=True)), trust)


def test_a_policy_the_ca_profile_does_not_list_is_refused(pki: CardPki, trust: Trust) -> None:
    refused(rules.WRONG_POLICY, sign(pki.card(policy=GPKI_LEVEL_1)), trust)


def test_a_ca_with_moicas_name_under_another_root_is_an_unknown_issuer(
    pki: CardPki, trust: Trust
) -> None:
    refused(rules.UNKNOWN_ISSUER, sign(pki.card("IMPOSTOR")), trust)


def test_the_certificate_the_component_reports_must_be_the_signers(
    pki: CardPki, trust: Trust
) -> None:
    card, other = pki.card(), pki.card()
    refused(rules.CERTIFICATE_MISMATCH, sign(card), trust, reported_certificate_der=other.der)


@pytest.mark.parametrize("garbage", [b"", b"not der", b"\x30\x03\x02\x01\x01"])
def test_anything_but_a_signed_data_is_refused(garbage: bytes, trust: Trust) -> None:
    refused(rules.NOT_A_SIGNATURE, garbage, trust)


def test_revocation_fails_closed() -> None:
    rules.revocation_problem(rules.RevocationStatus.GOOD)
    with pytest.raises(CertificateRefused, match=rules.REVOKED):
        rules.revocation_problem(rules.RevocationStatus.REVOKED)
    with pytest.raises(CertificateRefused, match=rules.REVOCATION_UNKNOWN):
        rules.revocation_problem(rules.RevocationStatus.UNKNOWN)

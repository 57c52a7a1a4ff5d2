"""Certificate registration and login through identity's gRPC service, with real parts:
the test GRCA hierarchy with its CRL and OCSP responder on loopback, a PIN-protected
SoftHSM2 token per card and the stand-in of the HiPKI component signing with it."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest

from jes.identity.v1 import certificates_pb2 as cpb
from jes_db import utcnow
from jes_identity.domain import certificates as rules
from jes_identity.domain.certificate_registration import (
    CERTIFICATE_ALREADY_REGISTERED,
    NOT_THE_SAME_HOLDER,
)
from jes_identity.models import AccountCertificate, CertificateChallenge
from jes_identity.usecases.certificates import CHALLENGE_GONE, NOT_REGISTERED
from support.hipki_standin import request_signature

from .certificate_portal import Portal, component, portal, revocation, trust_env

__all__ = ["component", "portal", "revocation", "trust_env"]  # fixtures used here


def refused_with(call: object, code: grpc.StatusCode, message: str) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.code() == code
    assert caught.value.details() == message


def test_a_natural_person_registers_with_the_card_and_logs_in_with_it(portal: Portal) -> None:
    card = portal.revocation.pki.card("MOICA G3", name="王小明", id_last_four="6789")
    portal.insert(card)
    challenge = portal.challenge(cpb.CERTIFICATE_PURPOSE_REGISTER)
    facts = portal.verify(portal.signed(challenge))
    assert (facts.kind, facts.name, facts.authority, facts.id_last_four) == (
        cpb.CERTIFICATE_KIND_NATURAL_PERSON, "王小明", "MOICA", "6789"
    )  # fmt: skip
    reply = portal.register(challenge.challenge_id, national_id="A123456789")
    assert reply.account.account_id == "WANG2025"  # type: ignore[attr-defined]
    assert reply.account.display_name == "王小明"  # type: ignore[attr-defined]
    # the OCSP responder on loopback was asked; no CRL was downloaded during the login
    assert any(r.startswith("POST /ocsp/MOICA-G3") for r in portal.revocation.requests_seen)
    assert not any(r.startswith("GET /crl/") for r in portal.revocation.requests_seen)

    token = portal.login().access_token  # type: ignore[attr-defined]
    claims = portal.service.verifier().verify(token)
    assert claims.username == "WANG2025"
    assert ("WANG2025", True) in portal.service.login_records()
    assert [r.action for r in portal.service.audit()] == ["account.registered_by_certificate"]


def test_the_national_id_must_end_in_the_cards_digits(portal: Portal) -> None:
    portal.insert(portal.revocation.pki.card(id_last_four="0000"))
    challenge = portal.challenge(cpb.CERTIFICATE_PURPOSE_REGISTER)
    portal.verify(portal.signed(challenge))
    with pytest.raises(grpc.RpcError) as caught:
        portal.register(challenge.challenge_id, national_id="A123456789")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with portal.service.kit.db.transaction() as session:
        assert session.query(AccountCertificate).count() == 0


def test_a_business_card_registers_an_organisation_with_its_business_number(
    portal: Portal,
) -> None:
    card = portal.revocation.pki.card(
        "MOEACA", name="大明股份有限公司", organisation="大明股份有限公司",
        business_number="22099131",
    )  # fmt: skip
    reply = portal.registered_with(
        card,
        account_id="DAMING",
        national_id="",
        representative_name="王大明",
        representative_title="董事長",
        business_number="22099131",
    )
    assert reply.account.display_name == "大明股份有限公司"  # type: ignore[attr-defined]


def test_one_certificate_registers_one_account(portal: Portal) -> None:
    card = portal.revocation.pki.card(id_last_four="6789")
    portal.registered_with(card)
    challenge = portal.challenge(cpb.CERTIFICATE_PURPOSE_REGISTER)
    refused_with(
        lambda: portal.verify(portal.signed(challenge)),
        grpc.StatusCode.ALREADY_EXISTS,
        CERTIFICATE_ALREADY_REGISTERED,
    )


def test_the_first_email_must_be_verified_by_its_code(portal: Portal) -> None:
    portal.insert(portal.revocation.pki.card(id_last_four="6789"))
    challenge = portal.challenge(cpb.CERTIFICATE_PURPOSE_REGISTER)
    portal.verify(portal.signed(challenge))
    with pytest.raises(grpc.RpcError) as caught:
        portal.register(challenge.challenge_id, verify_email=False)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    with portal.service.kit.db.transaction() as session:
        assert session.query(AccountCertificate).count() == 0
    portal.register(challenge.challenge_id)  # once verified, it goes through


def test_a_challenge_answers_once(portal: Portal) -> None:
    portal.insert(portal.revocation.pki.card(id_last_four="6789"))
    challenge = portal.challenge(cpb.CERTIFICATE_PURPOSE_REGISTER)
    request = portal.signed(challenge)
    portal.verify(request)
    refused_with(lambda: portal.verify(request), grpc.StatusCode.INVALID_ARGUMENT, CHALLENGE_GONE)


def test_a_stale_challenge_is_refused(portal: Portal) -> None:
    portal.insert(portal.revocation.pki.card(id_last_four="6789"))
    challenge = portal.challenge(cpb.CERTIFICATE_PURPOSE_REGISTER)
    request = portal.signed(challenge)
    with portal.service.kit.db.transaction() as session:
        row = session.get(CertificateChallenge, challenge.challenge_id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
    refused_with(lambda: portal.verify(request), grpc.StatusCode.INVALID_ARGUMENT, CHALLENGE_GONE)


def test_a_challenge_answers_only_in_the_browser_session_that_asked(portal: Portal) -> None:
    portal.insert(portal.revocation.pki.card(id_last_four="6789"))
    challenge = portal.challenge(cpb.CERTIFICATE_PURPOSE_REGISTER)
    request = portal.signed(challenge, binding="another-browser")
    refused_with(lambda: portal.verify(request), grpc.StatusCode.INVALID_ARGUMENT, CHALLENGE_GONE)


def test_a_revoked_card_is_refused_by_ocsp(portal: Portal) -> None:
    card = portal.revocation.pki.card()
    portal.revocation.pki.revoke(card)
    portal.insert(card)
    request = portal.signed(portal.challenge(cpb.CERTIFICATE_PURPOSE_REGISTER))
    refused_with(lambda: portal.verify(request), grpc.StatusCode.INVALID_ARGUMENT, rules.REVOKED)


def test_without_ocsp_and_without_a_cached_crl_no_one_gets_in(portal: Portal) -> None:
    """Fail closed, and the CRL is only noted for the background refresh."""
    portal.revocation.pki.ocsp_enabled = False
    portal.insert(portal.revocation.pki.card())
    request = portal.signed(portal.challenge(cpb.CERTIFICATE_PURPOSE_REGISTER))
    refused_with(
        lambda: portal.verify(request), grpc.StatusCode.INVALID_ARGUMENT, rules.REVOCATION_UNKNOWN
    )
    assert not any(r.startswith("GET /crl/") for r in portal.revocation.requests_seen)


def test_login_with_an_unregistered_certificate_is_refused(portal: Portal) -> None:
    portal.insert(portal.revocation.pki.card())
    refused_with(portal.login, grpc.StatusCode.UNAUTHENTICATED, NOT_REGISTERED)


def test_a_wrong_pin_fails_at_the_token(portal: Portal) -> None:
    portal.insert(portal.revocation.pki.card())
    challenge = portal.challenge(cpb.CERTIFICATE_PURPOSE_REGISTER)
    answer = request_signature(portal.component.url, challenge.text, "999999")
    assert answer.ret_code != 0
    assert answer.last_error == "PIN 碼錯誤"
    assert answer.signature == b""


def test_a_renewed_card_of_the_same_holder_joins_the_account(portal: Portal) -> None:
    pki = portal.revocation.pki
    portal.registered_with(pki.card(name="王小明", id_last_four="6789"))
    token = portal.service.login("WANG2025", "Secret123!").access_token
    renewed = pki.card("MOICA G2", name="王小明", id_last_four="6789")
    facts = portal.bind_renewed(renewed, token)
    assert facts.name == "王小明"  # type: ignore[attr-defined]
    assert portal.login().account.account_id == "WANG2025"  # type: ignore[attr-defined]
    assert "account.certificate_bound" in [r.action for r in portal.service.audit()]


def test_another_holders_card_does_not_join(portal: Portal) -> None:
    pki = portal.revocation.pki
    portal.registered_with(pki.card(name="王小明", id_last_four="6789"))
    token = portal.service.login("WANG2025", "Secret123!").access_token
    refused_with(
        lambda: portal.bind_renewed(pki.card(name="王小明", id_last_four="1111"), token),
        grpc.StatusCode.FAILED_PRECONDITION,
        NOT_THE_SAME_HOLDER,
    )
    with portal.service.kit.db.transaction() as session:
        assert session.query(AccountCertificate).count() == 1

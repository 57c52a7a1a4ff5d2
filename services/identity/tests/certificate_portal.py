"""Certificate registration and login as a browser drives them, for identity's tests:
the test GRCA hierarchy with its CRL and OCSP responder on loopback, a PIN-protected
SoftHSM2 token per card and the stand-in of the HiPKI component signing with it.
Import the fixtures (`revocation`, `component`, `trust_env`, `portal`) into a test
module to use them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from jes.identity.v1 import certificates_pb2 as cpb
from jes.identity.v1 import certificates_pb2_grpc as cpb_grpc
from jes.identity.v1 import verification_pb2 as vpb
from jes_grpckit import Client
from support import callers
from support.card_pki import Card, RevocationServer, revocation_server
from support.hipki_standin import Component, local_component, request_signature
from support.soft_token import SoftTokens

from .conftest import IdentityService

PIN = "246810"
BINDING = "browser-session-1"


@pytest.fixture(scope="module")
def revocation() -> Iterator[RevocationServer]:
    with revocation_server() as server:
        yield server


@pytest.fixture(scope="module")
def component() -> Iterator[Component]:
    with local_component(SoftTokens.shared()) as running:
        yield running


@pytest.fixture
def trust_env(
    revocation: RevocationServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JES_CERT_TRUST_DIR", str(revocation.pki.write_trust(tmp_path / "trust")))
    revocation.pki.ocsp_enabled = True


@dataclass
class Portal:
    service: IdentityService
    component: Component
    revocation: RevocationServer

    @property
    def client(self) -> Client[cpb_grpc.CertificateServiceStub]:
        return callers.client(self.service.pki, self.service.addr, cpb_grpc.CertificateServiceStub)

    def insert(self, card: Card) -> None:
        """The card goes into the reader: a fresh soft token holding it."""
        label = SoftTokens.new_label()
        serial = SoftTokens.shared().insert(card, PIN, label)
        self.component.insert(label, serial)

    def challenge(self, purpose: int, binding: str = BINDING) -> cpb.CertificateChallenge:
        return self.client.call(
            "IssueCertificateChallenge",
            cpb.IssueCertificateChallengeRequest(purpose=purpose, session_binding=binding),
        )

    def signed(
        self, challenge: cpb.CertificateChallenge, binding: str = BINDING, pin: str = PIN
    ) -> cpb.VerifyCertificateRequest:
        answer = request_signature(self.component.url, challenge.text, pin)
        assert answer.ret_code == 0, answer.last_error
        return cpb.VerifyCertificateRequest(
            challenge_id=challenge.challenge_id,
            session_binding=binding,
            signature=answer.signature,
            certificate=answer.certificate,
            client_address="203.0.113.9",
        )

    def verify(self, request: cpb.VerifyCertificateRequest) -> cpb.VerifiedCertificate:
        return self.client.call("VerifyRegistrationCertificate", request)

    def verify_email(self, challenge_id: str, email: str) -> None:
        """The seed's 發送認證碼 and 確定: a code mailed to the first address, typed back."""
        identity = self.service.client()
        sent = identity.call(
            "SendVerificationCode",
            vpb.SendVerificationCodeRequest(
                purpose=vpb.VERIFICATION_PURPOSE_REGISTRATION,
                email=email,
                registration_id=challenge_id,
            ),
        )
        code = self.service.as_service("notification").call(
            "IssueVerificationCode", vpb.IssueVerificationCodeRequest(code_id=sent.code_id)
        )
        identity.call(
            "VerifyEmailCode",
            vpb.VerifyEmailCodeRequest(
                purpose=vpb.VERIFICATION_PURPOSE_REGISTRATION,
                email=email,
                registration_id=challenge_id,
                code=code.code,
            ),
        )

    def register(
        self, challenge_id: str, binding: str = BINDING, verify_email: bool = True, **form: object
    ) -> object:
        fields: dict[str, object] = {
            "account_id": "WANG2025",
            "password": "Secret123!",
            "national_id": "A123456789",
            "phone": "02-2311-1234",
            "address": "臺北市中正區重慶南路一段124號",
            "emails": ["wang@example.com"],
            **form,
        }
        if verify_email:
            self.verify_email(challenge_id, str(fields["emails"][0]))  # type: ignore[index]
        return self.client.call(
            "RegisterWithCertificate",
            cpb.RegisterWithCertificateRequest(
                challenge_id=challenge_id, session_binding=binding, **fields
            ),
        )

    def registered_with(self, card: Card, **form: object) -> object:
        self.insert(card)
        challenge = self.challenge(cpb.CERTIFICATE_PURPOSE_REGISTER)
        self.verify(self.signed(challenge))
        return self.register(challenge.challenge_id, **form)

    def login(self, binding: str = BINDING) -> object:
        challenge = self.challenge(cpb.CERTIFICATE_PURPOSE_LOGIN, binding)
        return self.client.call("LoginWithCertificate", self.signed(challenge, binding))

    def bind_renewed(self, card: Card, token: str) -> object:
        """A member, logged in with the password, adds a renewed card."""
        self.insert(card)
        challenge = self.challenge(cpb.CERTIFICATE_PURPOSE_RENEW)
        client = callers.client(
            self.service.pki, self.service.addr, cpb_grpc.CertificateServiceStub, token=token
        )
        return client.call("BindRenewedCertificate", self.signed(challenge))


@pytest.fixture
def portal(
    trust_env: None, service: IdentityService, component: Component, revocation: RevocationServer
) -> Portal:
    return Portal(service, component, revocation)

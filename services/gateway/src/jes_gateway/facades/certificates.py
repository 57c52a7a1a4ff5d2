"""identity's certificate registration and login (憑證註冊 / 憑證登入)."""

from __future__ import annotations

from jes.identity.v1 import certificates_pb2 as cpb
from jes.identity.v1 import identity_pb2 as pb
from jes.identity.v1.certificates_pb2_grpc import CertificateServiceStub
from jes_gateway.facades.base import Facade

REGISTER = cpb.CERTIFICATE_PURPOSE_REGISTER
LOGIN = cpb.CERTIFICATE_PURPOSE_LOGIN


class CertificateFacade(Facade[CertificateServiceStub]):
    def challenge(
        self, purpose: cpb.CertificatePurpose.ValueType, session_binding: str
    ) -> cpb.CertificateChallenge:
        return self._rpc().IssueCertificateChallenge(
            cpb.IssueCertificateChallengeRequest(purpose=purpose, session_binding=session_binding)
        )

    def _signed(
        self,
        challenge_id: str,
        session_binding: str,
        signature: bytes,
        certificate: bytes,
        client_address: str,
    ) -> cpb.VerifyCertificateRequest:
        return cpb.VerifyCertificateRequest(
            challenge_id=challenge_id,
            session_binding=session_binding,
            signature=signature,
            certificate=certificate,
            client_address=client_address,
        )

    def verify_registration(
        self,
        challenge_id: str,
        session_binding: str,
        signature: bytes,
        certificate: bytes,
        client_address: str,
    ) -> cpb.VerifiedCertificate:
        return self._rpc().VerifyRegistrationCertificate(
            self._signed(challenge_id, session_binding, signature, certificate, client_address)
        )

    def register(
        self, challenge_id: str, session_binding: str, *, emails: list[str], **fields: str
    ) -> pb.Account:
        reply = self._rpc().RegisterWithCertificate(
            cpb.RegisterWithCertificateRequest(
                challenge_id=challenge_id, session_binding=session_binding, emails=emails, **fields
            )
        )
        return reply.account

    def login(
        self,
        challenge_id: str,
        session_binding: str,
        signature: bytes,
        certificate: bytes,
        client_address: str,
    ) -> pb.LoginResponse:
        return self._rpc().LoginWithCertificate(
            self._signed(challenge_id, session_binding, signature, certificate, client_address)
        )

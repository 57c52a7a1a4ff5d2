"""identity's certificate registration and login (憑證註冊 / 憑證登入)."""

from __future__ import annotations

from jes.identity.v1 import certificates_pb2 as cpb
from jes.identity.v1 import identity_pb2 as pb
from jes.identity.v1 import verification_pb2 as vpb
from jes.identity.v1.certificates_pb2_grpc import CertificateServiceStub
from jes.identity.v1.identity_pb2_grpc import IdentityServiceStub
from jes_gateway.facades.base import Facade

REGISTER = cpb.CERTIFICATE_PURPOSE_REGISTER
LOGIN = cpb.CERTIFICATE_PURPOSE_LOGIN
RENEW = cpb.CERTIFICATE_PURPOSE_RENEW


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

    def bind_renewed(
        self,
        token: str,
        challenge_id: str,
        session_binding: str,
        signature: bytes,
        certificate: bytes,
    ) -> cpb.VerifiedCertificate:
        """The signed-in member's renewed card (same holder as a registered one)."""
        return self._rpc(token).BindRenewedCertificate(
            self._signed(challenge_id, session_binding, signature, certificate, "")
        )

    def login(
        self,
        challenge_id: str,
        session_binding: str,
        signature: bytes,
        certificate: bytes,
        client_address: str,
        user_agent: str = "",
    ) -> pb.LoginResponse:
        request = self._signed(
            challenge_id, session_binding, signature, certificate, client_address
        )
        request.user_agent = user_agent
        return self._rpc().LoginWithCertificate(request)


class RegistrationCodesFacade(Facade[IdentityServiceStub]):
    """identity's e-mail verification codes for a registration not yet an account (the
    seed's 發送認證碼 / 確定); the registration id is the certificate challenge's id."""

    def send(self, registration_id: str, email: str) -> vpb.VerificationCodeSent:
        return self._rpc().SendVerificationCode(
            vpb.SendVerificationCodeRequest(
                purpose=vpb.VERIFICATION_PURPOSE_REGISTRATION,
                email=email,
                registration_id=registration_id,
            )
        )

    def verify(self, registration_id: str, email: str, code: str) -> vpb.VerifiedEmail:
        return self._rpc().VerifyEmailCode(
            vpb.VerifyEmailCodeRequest(
                purpose=vpb.VERIFICATION_PURPOSE_REGISTRATION,
                email=email,
                registration_id=registration_id,
                code=code,
            )
        )

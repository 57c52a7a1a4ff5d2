"""CertificateService over gRPC: certificate registration and login (parse, call the
use case, map). Domain errors become gRPC statuses in the server interceptor."""

from __future__ import annotations

import grpc

from jes.identity.v1 import certificates_pb2 as cpb
from jes.identity.v1 import certificates_pb2_grpc as cpb_grpc
from jes.identity.v1 import identity_pb2 as pb
from jes_domain import InvalidArgument
from jes_grpckit import current_claims
from jes_identity.domain.certificates import CertificateKind, VerifiedSigner
from jes_identity.usecases.certificates import LOGIN, REGISTER, RENEW, CertificateLogins

SERVICE_NAME = "jes.identity.v1.CertificateService"

PURPOSES = {
    cpb.CERTIFICATE_PURPOSE_REGISTER: REGISTER,
    cpb.CERTIFICATE_PURPOSE_LOGIN: LOGIN,
    cpb.CERTIFICATE_PURPOSE_RENEW: RENEW,
}
KINDS = {
    CertificateKind.NATURAL_PERSON: cpb.CERTIFICATE_KIND_NATURAL_PERSON,
    CertificateKind.BUSINESS: cpb.CERTIFICATE_KIND_BUSINESS,
    CertificateKind.GOVERNMENT: cpb.CERTIFICATE_KIND_GOVERNMENT,
    CertificateKind.ORGANISATION: cpb.CERTIFICATE_KIND_ORGANISATION,
}


class CertificateServicer(cpb_grpc.CertificateServiceServicer):
    def __init__(self, logins: CertificateLogins):
        self.logins = logins

    def IssueCertificateChallenge(
        self, request: cpb.IssueCertificateChallengeRequest, context: grpc.ServicerContext
    ) -> cpb.CertificateChallenge:
        purpose = PURPOSES.get(request.purpose)
        if purpose is None:
            raise InvalidArgument("用途不正確", fields={"purpose": "請指定憑證註冊或憑證登入"})
        issued = self.logins.issue_challenge(purpose, request.session_binding)
        return cpb.CertificateChallenge(
            challenge_id=issued.challenge_id,
            text=issued.text,
            expires_in_seconds=issued.expires_in_seconds,
        )

    def VerifyRegistrationCertificate(
        self, request: cpb.VerifyCertificateRequest, context: grpc.ServicerContext
    ) -> cpb.VerifiedCertificate:
        verified = self.logins.verify_registration(
            request.challenge_id, request.session_binding, request.signature, request.certificate
        )
        return facts_of(verified.signer, verified.ticket_seconds)

    def BindRenewedCertificate(
        self, request: cpb.VerifyCertificateRequest, context: grpc.ServicerContext
    ) -> cpb.VerifiedCertificate:
        signer = self.logins.bind_renewed(
            current_claims(),
            request.challenge_id,
            request.session_binding,
            request.signature,
            request.certificate,
        )
        return facts_of(signer)

    def RegisterWithCertificate(
        self, request: cpb.RegisterWithCertificateRequest, context: grpc.ServicerContext
    ) -> cpb.RegisterWithCertificateResponse:
        account = self.logins.register(
            request.challenge_id,
            request.session_binding,
            {
                "account_id": request.account_id,
                "password": request.password,
                "national_id": request.national_id,
                "phone": request.phone,
                "mobile": request.mobile,
                "address": request.address,
                "emails": list(request.emails),
                "representative_name": request.representative_name,
                "representative_title": request.representative_title,
                "business_number": request.business_number,
            },
        )
        return cpb.RegisterWithCertificateResponse(account=account)

    def LoginWithCertificate(
        self, request: cpb.VerifyCertificateRequest, context: grpc.ServicerContext
    ) -> pb.LoginResponse:
        result = self.logins.login(
            request.challenge_id,
            request.session_binding,
            request.signature,
            request.certificate,
            request.client_address,
            request.user_agent,
        )
        reply = pb.LoginResponse(
            access_token=result.access_token,
            expires_in_seconds=result.expires_in_seconds,
            account=result.account,
            session_token=result.session.token,
            session_id=result.session.session_id,
        )
        reply.idle_expires_at.FromDatetime(result.session.idle_expires_at)
        reply.absolute_expires_at.FromDatetime(result.session.absolute_expires_at)
        return reply


def facts_of(signer: VerifiedSigner, ticket_seconds: int = 0) -> cpb.VerifiedCertificate:
    return cpb.VerifiedCertificate(
        kind=KINDS[signer.profile.kind],
        name=signer.name,
        authority=signer.profile.name,
        id_last_four=signer.id_last_four,
        business_number=signer.business_number,
        organisation_code=signer.organisation_code,
        expires_in_seconds=ticket_seconds,
    )

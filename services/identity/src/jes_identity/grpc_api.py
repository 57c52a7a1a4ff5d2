"""IdentityService over gRPC: each method parses its request, calls a use case
(jes_identity.usecases) with the verified caller and maps the result to the response.
Domain errors become gRPC statuses in the server interceptor (jes_grpckit)."""

from __future__ import annotations

import json

import grpc

from jes.identity.v1 import identity_pb2 as pb
from jes.identity.v1 import identity_pb2_grpc as pb_grpc
from jes_auth import DecisionBinding, KeyStore, TokenIssuer, TokenVerifier
from jes_db import Database
from jes_events import Outbox
from jes_grpckit import current_claims, request_id_var
from jes_identity.domain.passwords import PasswordPolicy
from jes_identity.messages import STATUSES_BY_CODE
from jes_identity.professional_messages import (
    STATUSES_BY_CODE as PROFESSIONAL_STATUSES_BY_CODE,
)
from jes_identity.professional_messages import gender_name, kind_name
from jes_identity.usecases import (
    Accounts,
    Applications,
    DecisionGrants,
    Infrastructure,
    Professionals,
    Recovery,
    Sessions,
)
from jes_servicekit.grants import FIRM_APPLICATION, verified_grant

SERVICE_NAME = "jes.identity.v1.IdentityService"


def current_trace_id() -> str:
    return request_id_var.get()


class IdentityServicer(pb_grpc.IdentityServiceServicer):
    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        keys: KeyStore,
        policy: PasswordPolicy | None = None,
    ):
        infra = Infrastructure(db, outbox, trace_id=current_trace_id)
        self.keys = keys
        self.policy = policy or PasswordPolicy()
        self.applications = Applications(infra)
        self.sessions = Sessions(infra, TokenIssuer(keys))
        self.grants = DecisionGrants(TokenIssuer(keys))
        self.verifier = TokenVerifier(keys.jwks)  # identity trusts its own keys directly
        self.recovery = Recovery(infra, self.policy)
        self.accounts = Accounts(infra, self.policy)
        self.professionals = Professionals(infra)

    # -- logging in, the key set ---------------------------------------------

    def Login(self, request: pb.LoginRequest, context: grpc.ServicerContext) -> pb.LoginResponse:
        result = self.sessions.login(request.account_id, request.password, request.client_address)
        return pb.LoginResponse(
            access_token=result.access_token,
            expires_in_seconds=result.expires_in_seconds,
            account=result.account,
        )

    def GetKeySet(
        self, request: pb.GetKeySetRequest, context: grpc.ServicerContext
    ) -> pb.GetKeySetResponse:
        return pb.GetKeySetResponse(jwks_json=json.dumps(self.keys.jwks()))

    # -- firm applications (court decisions are recorded by review-workflow) -----------------

    def ApplyFirmAccount(
        self, request: pb.ApplyFirmAccountRequest, context: grpc.ServicerContext
    ) -> pb.FirmApplication:
        return self.applications.apply(
            court_code=request.court_code,
            company_name=request.company_name,
            contact_person=request.contact_person,
            email=request.email,
            phone=request.phone,
        )

    def ListFirmApplications(
        self, request: pb.ListFirmApplicationsRequest, context: grpc.ServicerContext
    ) -> pb.ListFirmApplicationsResponse:
        status = None
        if request.status:  # unspecified: any; an unknown code matches no application
            known = STATUSES_BY_CODE.get(request.status)
            status = known.value if known else ""
        applications = self.applications.list(
            current_claims(), request.court_code.strip().upper(), status
        )
        return pb.ListFirmApplicationsResponse(applications=applications)

    def DecideFirmApplication(
        self, request: pb.DecideFirmApplicationRequest, context: grpc.ServicerContext
    ) -> pb.FirmApplication:
        grant = verified_grant(
            self.verifier,
            request.decision_grant,
            current_claims(),
            kind=FIRM_APPLICATION,
            target_id=request.application_id,
            version="",
            decision="approve" if request.approve else "reject",
            decision_id=request.decision_id,
        )
        return self.applications.decide(
            grant.decider,
            application_id=request.application_id,
            approve=request.approve,
            reason=request.reason,
            bound_court=grant.binding.court_code,
        )

    def IssueDecisionGrant(
        self, request: pb.IssueDecisionGrantRequest, context: grpc.ServicerContext
    ) -> pb.IssueDecisionGrantResponse:
        b = request.binding
        binding = DecisionBinding(
            kind=b.kind,
            target_id=b.target_id.strip(),
            version=b.version.strip(),
            decision=b.decision,
            decision_id=b.decision_id.strip(),
            court_code=b.court_code.strip().upper(),
        )
        return pb.IssueDecisionGrantResponse(
            decision_grant=self.grants.issue(current_claims(), binding)
        )

    # -- one-time links, forgot password, forgot account id ---------------------------------

    def SetPassword(
        self, request: pb.SetPasswordRequest, context: grpc.ServicerContext
    ) -> pb.SetPasswordResponse:
        account_id = self.recovery.set_password(request.token, request.new_password)
        return pb.SetPasswordResponse(account_id=account_id)

    def IssuePasswordLink(
        self, request: pb.IssuePasswordLinkRequest, context: grpc.ServicerContext
    ) -> pb.PasswordLink:
        token, expires_at = self.recovery.issue_link(current_claims(), request.link_id)
        link = pb.PasswordLink(token=token)
        link.expires_at.FromDatetime(expires_at)
        return link

    def RequestPasswordReset(
        self, request: pb.RequestPasswordResetRequest, context: grpc.ServicerContext
    ) -> pb.RequestPasswordResetResponse:
        self.recovery.request_reset(request.account_id, request.email)
        return pb.RequestPasswordResetResponse()

    def RemindAccountId(
        self, request: pb.RemindAccountIdRequest, context: grpc.ServicerContext
    ) -> pb.RemindAccountIdResponse:
        self.recovery.remind_account_id(request.email)
        return pb.RemindAccountIdResponse()

    def GetPasswordPolicy(
        self, request: pb.GetPasswordPolicyRequest, context: grpc.ServicerContext
    ) -> pb.PasswordPolicy:
        return pb.PasswordPolicy(
            min_length=self.policy.min_length,
            max_length=self.policy.max_length,
            symbols=self.policy.symbols,
            summary=self.policy.summary(),
            rules=self.policy.rules(),
        )

    # -- personal account maintenance (個人帳號維護), staff, accounts for services ------------

    def GetMyAccount(
        self, request: pb.GetMyAccountRequest, context: grpc.ServicerContext
    ) -> pb.Account:
        return self.accounts.my_account(current_claims())

    def UpdateMyAccount(
        self, request: pb.UpdateMyAccountRequest, context: grpc.ServicerContext
    ) -> pb.Account:
        return self.accounts.update_my_account(
            current_claims(),
            display_name=request.display_name,
            email=request.email,
            phone=request.phone,
            contact_person=request.contact_person,
        )

    def ChangePassword(
        self, request: pb.ChangePasswordRequest, context: grpc.ServicerContext
    ) -> pb.ChangePasswordResponse:
        self.accounts.change_password(
            current_claims(), request.current_password, request.new_password
        )
        return pb.ChangePasswordResponse()

    def ListCourtStaff(
        self, request: pb.ListCourtStaffRequest, context: grpc.ServicerContext
    ) -> pb.ListCourtStaffResponse:
        accounts = self.accounts.court_staff(current_claims(), request.court_code, request.role)
        return pb.ListCourtStaffResponse(accounts=accounts)

    def GetAccount(
        self, request: pb.GetAccountRequest, context: grpc.ServicerContext
    ) -> pb.Account:
        return self.accounts.account_for_service(current_claims(), request.account_id)

    # -- professional registration (律師、會計師、專利師、專利代理人、事務所管理人) ---------------

    def ApplyProfessionalAccount(
        self, request: pb.ApplyProfessionalAccountRequest, context: grpc.ServicerContext
    ) -> pb.ProfessionalApplication:
        form = request.form
        return self.professionals.apply(
            kind=kind_name(form.kind),
            account_id=form.account_id,
            name=form.name,
            gender=gender_name(form.gender),
            national_id=form.national_id,
            is_resident_certificate=form.is_resident_certificate,
            birth_date=form.birth_date,
            licence_number=form.licence_number,
            association=form.association,
            office_name=form.office_name,
            address=form.address,
            phone=form.phone,
            mobile=form.mobile,
            email=form.email,
            fax=form.fax,
        )

    def GetProfessionalApplication(
        self, request: pb.GetProfessionalApplicationRequest, context: grpc.ServicerContext
    ) -> pb.ProfessionalApplication:
        return self.professionals.get(current_claims(), request.application_id, request.national_id)

    def ListProfessionalApplications(
        self, request: pb.ListProfessionalApplicationsRequest, context: grpc.ServicerContext
    ) -> pb.ListProfessionalApplicationsResponse:
        status = PROFESSIONAL_STATUSES_BY_CODE.get(request.status)
        if request.status and status is None:  # an unknown code matches no application
            return pb.ListProfessionalApplicationsResponse()
        applications = self.professionals.list(current_claims(), status)
        return pb.ListProfessionalApplicationsResponse(applications=applications)

    def DecideProfessionalApplication(
        self, request: pb.DecideProfessionalApplicationRequest, context: grpc.ServicerContext
    ) -> pb.ProfessionalApplication:
        return self.professionals.decide(
            current_claims(), request.application_id, request.approve, request.reason
        )

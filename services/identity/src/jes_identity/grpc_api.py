"""IdentityService over gRPC: each method parses its request, calls a use case
(jes_identity.usecases) with the verified caller and maps the result to the response.
Domain errors become gRPC statuses in the server interceptor (jes_grpckit)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta

import grpc

from jes.identity.v1 import binding_pb2 as bpb
from jes.identity.v1 import identity_pb2 as pb
from jes.identity.v1 import identity_pb2_grpc as pb_grpc
from jes.identity.v1 import sessions_pb2 as spb
from jes.identity.v1 import verification_pb2 as vpb
from jes_auth import DecisionBinding, KeyStore, TokenIssuer, TokenVerifier
from jes_db import Database
from jes_events import Outbox
from jes_grpckit import current_claims, request_id_var
from jes_identity.domain.passwords import Policy, policy_named
from jes_identity.domain.sessions import IDLE_TIMEOUT
from jes_identity.grpc_progress import ProgressAccountRpcs
from jes_identity.messages import STATUSES_BY_CODE
from jes_identity.oidc import ProviderClient
from jes_identity.professional_messages import (
    STATUSES_BY_CODE as PROFESSIONAL_STATUSES_BY_CODE,
)
from jes_identity.professional_messages import gender_name, kind_name
from jes_identity.usecases import (
    AccountBindings,
    Accounts,
    AccountSessions,
    Applications,
    DecisionGrants,
    EmailChange,
    EmailCodes,
    Infrastructure,
    LoginAttempt,
    LoginHistory,
    LoginResult,
    Professionals,
    ProviderSignIn,
    Recovery,
    Sessions,
)
from jes_identity.usecases.binding import Binding
from jes_identity.usecases.progress_accounts import ProgressAccounts
from jes_identity.usecases.sessions import session_idle_expires_at
from jes_servicekit.grants import FIRM_APPLICATION, verified_grant

SERVICE_NAME = "jes.identity.v1.IdentityService"


def current_trace_id() -> str:
    return request_id_var.get()


def binding_message(bound: Binding) -> bpb.AccountBinding:
    message = bpb.AccountBinding(
        portal_account_id=bound.portal_account_id,
        portal_display_name=bound.portal_display_name,
        progress_account_id=bound.progress_account_id,
        progress_display_name=bound.progress_display_name,
    )
    message.bound_at.FromDatetime(bound.bound_at)
    return message


def login_reply(result: LoginResult) -> pb.LoginResponse:
    reply = pb.LoginResponse(
        access_token=result.access_token,
        expires_in_seconds=result.expires_in_seconds,
        account=result.account,
        session_token=result.session.token,
        session_id=result.session.session_id,
        device_token=result.device_token,
    )
    reply.idle_expires_at.FromDatetime(result.session.idle_expires_at)
    reply.absolute_expires_at.FromDatetime(result.session.absolute_expires_at)
    return reply


class IdentityServicer(ProgressAccountRpcs, pb_grpc.IdentityServiceServicer):
    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        keys: KeyStore,
        policy: Policy | None = None,
        sign_in_clients: Mapping[str, ProviderClient] | None = None,
        session_idle: timedelta = IDLE_TIMEOUT,
    ):
        infra = Infrastructure(db, outbox, trace_id=current_trace_id)
        self.keys = keys
        self.policy = policy or policy_named("")
        self.applications = Applications(infra)
        self.sessions = Sessions(infra, TokenIssuer(keys), session_idle)
        self.login_history = LoginHistory(infra)
        self.grants = DecisionGrants(TokenIssuer(keys))
        self.verifier = TokenVerifier(keys.jwks)  # identity trusts its own keys directly
        self.recovery = Recovery(infra, self.policy)
        self.professionals = Professionals(infra)
        self.codes = EmailCodes(infra)
        self.email_change = EmailChange(infra, self.codes)
        self.accounts = Accounts(infra, self.policy, self.email_change)
        self.login_sessions = AccountSessions(infra, TokenIssuer(keys))
        self.bindings = AccountBindings(infra, self.codes)
        self.sign_in = ProviderSignIn(self.sessions, sign_in_clients or {})
        self.progress_accounts = ProgressAccounts(infra)

    # -- logging in, the key set ---------------------------------------------

    def Login(self, request: pb.LoginRequest, context: grpc.ServicerContext) -> pb.LoginResponse:
        result = self.sessions.attempt(
            LoginAttempt(
                account_id=request.account_id,
                password=request.password,
                client_address=request.client_address,
                user_agent=request.user_agent,
                device_token=request.device_token,
                captcha_id=request.captcha_id,
                captcha_answer=request.captcha_answer,
            )
        )
        return login_reply(result)

    # -- account binding 帳號綁定 -----------------------------------------------------------------

    def SendBindingCode(
        self, request: bpb.SendBindingCodeRequest, context: grpc.ServicerContext
    ) -> vpb.VerificationCodeSent:
        sent = self.bindings.send_code(current_claims(), request.account_id)
        reply = vpb.VerificationCodeSent(
            code_id=sent.code_id, email=sent.email, resend_after_seconds=sent.resend_after_seconds
        )
        reply.expires_at.FromDatetime(sent.expires_at)
        return reply

    def BindAccount(
        self, request: bpb.BindAccountRequest, context: grpc.ServicerContext
    ) -> bpb.AccountBinding:
        bound = self.bindings.bind(
            current_claims(),
            request.account_id,
            request.password,
            request.code,
            request.client_address,
        )
        return binding_message(bound)

    def ListMyBindings(
        self, request: bpb.ListMyBindingsRequest, context: grpc.ServicerContext
    ) -> bpb.ListMyBindingsResponse:
        bindings = self.bindings.list_mine(current_claims())
        return bpb.ListMyBindingsResponse(bindings=[binding_message(b) for b in bindings])

    def UnbindAccount(
        self, request: bpb.UnbindAccountRequest, context: grpc.ServicerContext
    ) -> bpb.UnbindAccountResponse:
        self.bindings.unbind(current_claims(), request.account_id)
        return bpb.UnbindAccountResponse()

    # -- sessions ------------------------------------------------------------------------------

    def RefreshSession(
        self, request: spb.RefreshSessionRequest, context: grpc.ServicerContext
    ) -> spb.SessionTokens:
        active = self.login_sessions.refresh(
            request.session_token, request.touch, request.client_address
        )
        reply = spb.SessionTokens(
            access_token=active.access_token,
            expires_in_seconds=active.expires_in_seconds,
            session_id=active.session_id,
            account_id=active.account.account_id,
            display_name=active.account.display_name,
            roles=active.account.role_list,
            court_code=active.account.court_code,
            sign_in_provider=active.account.sign_in_provider,
        )
        reply.idle_expires_at.FromDatetime(active.idle_expires_at)
        reply.absolute_expires_at.FromDatetime(active.absolute_expires_at)
        return reply

    def EndSession(
        self, request: spb.EndSessionRequest, context: grpc.ServicerContext
    ) -> spb.EndSessionResponse:
        self.login_sessions.end(request.session_token)
        return spb.EndSessionResponse()

    def ListMySessions(
        self, request: spb.ListMySessionsRequest, context: grpc.ServicerContext
    ) -> spb.ListMySessionsResponse:
        reply = spb.ListMySessionsResponse()
        for row, current in self.login_sessions.list_mine(current_claims()):
            info = reply.sessions.add(
                id=row.id,
                client_address=row.client_address,
                user_agent=row.user_agent,
                current=current,
            )
            info.created_at.FromDatetime(row.created_at)
            info.last_activity_at.FromDatetime(row.last_activity_at)
            info.idle_expires_at.FromDatetime(session_idle_expires_at(row))
            info.absolute_expires_at.FromDatetime(row.absolute_expires_at)
        return reply

    def EndMySessions(
        self, request: spb.EndMySessionsRequest, context: grpc.ServicerContext
    ) -> spb.EndMySessionsResponse:
        ended = self.login_sessions.end_mine(current_claims(), request.session_id, request.all)
        return spb.EndMySessionsResponse(ended=ended)

    def CreateLoginChallenge(
        self, request: pb.CreateLoginChallengeRequest, context: grpc.ServicerContext
    ) -> pb.LoginChallenge:
        return self.login_history.new_challenge()

    def ListMyLoginRecords(
        self, request: pb.ListMyLoginRecordsRequest, context: grpc.ServicerContext
    ) -> pb.LoginHistory:
        return self.login_history.my_attempts(current_claims(), request.limit)

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

    # -- e-mail verification codes -----------------------------------------------------------

    def SendVerificationCode(
        self, request: vpb.SendVerificationCodeRequest, context: grpc.ServicerContext
    ) -> vpb.VerificationCodeSent:
        sent = self.codes.send(
            current_claims(), request.purpose, request.email, request.registration_id
        )
        reply = vpb.VerificationCodeSent(
            code_id=sent.code_id,
            email=sent.email,
            resend_after_seconds=sent.resend_after_seconds,
        )
        reply.expires_at.FromDatetime(sent.expires_at)
        return reply

    def VerifyEmailCode(
        self, request: vpb.VerifyEmailCodeRequest, context: grpc.ServicerContext
    ) -> vpb.VerifiedEmail:
        email, verified_at = self.codes.verify(
            current_claims(),
            request.purpose,
            request.email,
            request.registration_id,
            request.code,
        )
        reply = vpb.VerifiedEmail(email=email)
        reply.verified_at.FromDatetime(verified_at)
        return reply

    def RequestEmailChange(
        self, request: vpb.RequestEmailChangeRequest, context: grpc.ServicerContext
    ) -> vpb.VerificationCodeSent:
        sent = self.email_change.request(current_claims(), request.email)
        reply = vpb.VerificationCodeSent(
            code_id=sent.code_id, email=sent.email, resend_after_seconds=sent.resend_after_seconds
        )
        reply.expires_at.FromDatetime(sent.expires_at)
        return reply

    def ConfirmEmailChange(
        self, request: vpb.ConfirmEmailChangeRequest, context: grpc.ServicerContext
    ) -> pb.Account:
        return self.email_change.confirm(current_claims(), request.code)

    def IssueVerificationCode(
        self, request: vpb.IssueVerificationCodeRequest, context: grpc.ServicerContext
    ) -> vpb.VerificationCode:
        code, expires_at = self.codes.issue(current_claims(), request.code_id)
        reply = vpb.VerificationCode(code=code)
        reply.expires_at.FromDatetime(expires_at)
        return reply

    def GetPasswordPolicy(
        self, request: pb.GetPasswordPolicyRequest, context: grpc.ServicerContext
    ) -> pb.PasswordPolicy:
        return pb.PasswordPolicy(
            min_length=self.policy.min_length,
            max_length=self.policy.max_length,
            symbols=self.policy.symbols,
            summary=self.policy.summary(),
            rules=self.policy.rules(),
            kind=self.policy.kind,
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

    # -- single sign-on ----------------------------------------------------------

    def ListSignInProviders(
        self, request: pb.ListSignInProvidersRequest, context: grpc.ServicerContext
    ) -> pb.ListSignInProvidersResponse:
        return pb.ListSignInProvidersResponse(providers=self.sign_in.providers())

    def BeginProviderSignIn(
        self, request: pb.BeginProviderSignInRequest, context: grpc.ServicerContext
    ) -> pb.BeginProviderSignInResponse:
        url, state = self.sign_in.begin(request.provider, request.redirect_uri)
        return pb.BeginProviderSignInResponse(authorization_url=url, state=state)

    def CompleteProviderSignIn(
        self, request: pb.CompleteProviderSignInRequest, context: grpc.ServicerContext
    ) -> pb.CompleteProviderSignInResponse:
        result = self.sign_in.complete(
            request.provider,
            request.state,
            request.session_state,
            request.code,
            request.client_address,
            request.user_agent,
        )
        return pb.CompleteProviderSignInResponse(
            login=login_reply(result.login),
            first_visit=result.first_visit,
            email_needed=result.email_needed,
        )

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

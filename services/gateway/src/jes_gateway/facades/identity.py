"""identity: accounts, sessions, firm applications, passwords and the key set."""

from __future__ import annotations

from jes.identity.v1 import binding_pb2 as bpb
from jes.identity.v1 import identity_pb2 as pb
from jes.identity.v1 import sessions_pb2 as spb
from jes.identity.v1 import verification_pb2 as vpb
from jes.identity.v1.identity_pb2_grpc import IdentityServiceStub
from jes_gateway.facades.base import Facade


class IdentityFacade(Facade[IdentityServiceStub]):
    def apply_firm_account(
        self, *, court_code: str, company_name: str, contact_person: str, email: str, phone: str
    ) -> pb.FirmApplication:
        return self._rpc().ApplyFirmAccount(
            pb.ApplyFirmAccountRequest(
                court_code=court_code,
                company_name=company_name,
                contact_person=contact_person,
                email=email,
                phone=phone,
            )
        )

    def login(
        self, account_id: str, password: str, client_address: str, user_agent: str = ""
    ) -> pb.LoginResponse:
        """`client_address`: identity locks out failures per account and client;
        `user_agent`: shown in the account's list of sessions."""
        return self._rpc().Login(
            pb.LoginRequest(
                account_id=account_id,
                password=password,
                client_address=client_address,
                user_agent=user_agent,
            )
        )

    # -- sessions (identity keeps them; the gateway holds the session token) ----------

    def refresh_session(
        self, session_token: str, *, touch: bool, client_address: str = ""
    ) -> spb.SessionTokens:
        """A fresh access token if the session is active (401 Problem when it is not);
        `touch`: the person is active, so the idle timeout starts again."""
        return self._rpc().RefreshSession(
            spb.RefreshSessionRequest(
                session_token=session_token, touch=touch, client_address=client_address
            )
        )

    def end_session(self, session_token: str) -> None:
        self._rpc().EndSession(spb.EndSessionRequest(session_token=session_token))

    def my_sessions(self, token: str) -> list[spb.SessionInfo]:
        return list(self._rpc(token).ListMySessions(spb.ListMySessionsRequest()).sessions)

    def end_my_sessions(self, token: str, *, session_id: str = "", everywhere: bool = False) -> int:
        reply = self._rpc(token).EndMySessions(
            spb.EndMySessionsRequest(session_id=session_id, all=everywhere)
        )
        return int(reply.ended)

    def key_set_json(self) -> str:
        return self._rpc().GetKeySet(pb.GetKeySetRequest(), timeout=5).jwks_json

    def password_policy(self) -> pb.PasswordPolicy:
        return self._rpc().GetPasswordPolicy(pb.GetPasswordPolicyRequest())

    def set_password(self, token: str, new_password: str) -> pb.SetPasswordResponse:
        return self._rpc().SetPassword(
            pb.SetPasswordRequest(token=token, new_password=new_password)
        )

    def request_password_reset(self, account_id: str, email: str) -> None:
        self._rpc().RequestPasswordReset(
            pb.RequestPasswordResetRequest(account_id=account_id, email=email)
        )

    def remind_account_id(self, email: str) -> None:
        self._rpc().RemindAccountId(pb.RemindAccountIdRequest(email=email))

    def my_account(self, token: str) -> pb.Account:
        return self._rpc(token).GetMyAccount(pb.GetMyAccountRequest())

    def update_my_account(
        self, token: str, *, display_name: str, email: str, phone: str, contact_person: str
    ) -> pb.Account:
        return self._rpc(token).UpdateMyAccount(
            pb.UpdateMyAccountRequest(
                display_name=display_name, email=email, phone=phone, contact_person=contact_person
            )
        )

    def request_email_change(self, token: str, email: str) -> vpb.VerificationCodeSent:
        return self._rpc(token).RequestEmailChange(vpb.RequestEmailChangeRequest(email=email))

    def confirm_email_change(self, token: str, code: str) -> pb.Account:
        return self._rpc(token).ConfirmEmailChange(vpb.ConfirmEmailChangeRequest(code=code))

    # -- account binding 帳號綁定 ------------------------------------------------------

    def my_bindings(self, token: str) -> list[bpb.AccountBinding]:
        return list(self._rpc(token).ListMyBindings(bpb.ListMyBindingsRequest()).bindings)

    def send_binding_code(self, token: str, account_id: str) -> vpb.VerificationCodeSent:
        return self._rpc(token).SendBindingCode(bpb.SendBindingCodeRequest(account_id=account_id))

    def bind_account(
        self, token: str, account_id: str, *, password: str = "", code: str = "", client: str = ""
    ) -> bpb.AccountBinding:
        return self._rpc(token).BindAccount(
            bpb.BindAccountRequest(
                account_id=account_id, password=password, code=code, client_address=client
            )
        )

    def unbind_account(self, token: str, account_id: str) -> None:
        self._rpc(token).UnbindAccount(bpb.UnbindAccountRequest(account_id=account_id))

    def change_password(self, token: str, current_password: str, new_password: str) -> None:
        self._rpc(token).ChangePassword(
            pb.ChangePasswordRequest(current_password=current_password, new_password=new_password)
        )

    def firm_applications(
        self,
        token: str,
        *,
        court_code: str = "",
        status: pb.ApplicationStatus.ValueType = pb.APPLICATION_STATUS_UNSPECIFIED,
    ) -> list[pb.FirmApplication]:
        reply = self._rpc(token).ListFirmApplications(
            pb.ListFirmApplicationsRequest(court_code=court_code, status=status)
        )
        return list(reply.applications)

    # -- single sign-on -------------------------------------------------------------

    def sign_in_providers(self) -> list[pb.SignInProvider]:
        reply = self._rpc().ListSignInProviders(pb.ListSignInProvidersRequest(), timeout=5)
        return list(reply.providers)

    def begin_provider_sign_in(
        self, provider: str, redirect_uri: str
    ) -> pb.BeginProviderSignInResponse:
        return self._rpc().BeginProviderSignIn(
            pb.BeginProviderSignInRequest(provider=provider, redirect_uri=redirect_uri)
        )

    def complete_provider_sign_in(
        self,
        provider: str,
        *,
        state: str,
        session_state: str,
        code: str,
        client_address: str,
        user_agent: str = "",
    ) -> pb.CompleteProviderSignInResponse:
        return self._rpc().CompleteProviderSignIn(
            pb.CompleteProviderSignInRequest(
                provider=provider,
                state=state,
                session_state=session_state,
                code=code,
                client_address=client_address,
                user_agent=user_agent,
            ),
            timeout=30,  # identity calls the provider's token endpoint meanwhile
        )

"""identity: accounts, sessions, firm applications, passwords and the key set."""

from __future__ import annotations

from jes.identity.v1 import identity_pb2 as pb
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

    def login(self, account_id: str, password: str, client_address: str) -> pb.LoginResponse:
        """`client_address`: identity locks out failures per account and client."""
        return self._rpc().Login(
            pb.LoginRequest(account_id=account_id, password=password, client_address=client_address)
        )

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
        self, provider: str, *, state: str, session_state: str, code: str, client_address: str
    ) -> pb.CompleteProviderSignInResponse:
        return self._rpc().CompleteProviderSignIn(
            pb.CompleteProviderSignInRequest(
                provider=provider,
                state=state,
                session_state=session_state,
                code=code,
                client_address=client_address,
            ),
            timeout=30,  # identity calls the provider's token endpoint meanwhile
        )

    def set_sign_in_email(self, token: str, email: str) -> pb.Account:
        return self._rpc(token).SetSignInEmail(pb.SetSignInEmailRequest(email=email))

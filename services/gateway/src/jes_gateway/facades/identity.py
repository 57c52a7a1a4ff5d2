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

    def login(
        self,
        account_id: str,
        password: str,
        client_address: str,
        *,
        device_token: str = "",
        captcha_id: str = "",
        captcha_answer: str = "",
    ) -> pb.LoginResponse:
        """`client_address` and `device_token`: identity's brute-force lanes (per account
        and client; a device that logged in before keeps its own); the captcha when the
        rules ask for one (a 400 with a `captcha` field otherwise)."""
        return self._rpc().Login(
            pb.LoginRequest(
                account_id=account_id,
                password=password,
                client_address=client_address,
                device_token=device_token,
                captcha_id=captcha_id,
                captcha_answer=captcha_answer,
            )
        )

    def new_login_challenge(self) -> pb.LoginChallenge:
        return self._rpc().CreateLoginChallenge(pb.CreateLoginChallengeRequest())

    def my_login_records(self, token: str, limit: int = 0) -> pb.LoginHistory:
        return self._rpc(token).ListMyLoginRecords(pb.ListMyLoginRecordsRequest(limit=limit))

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

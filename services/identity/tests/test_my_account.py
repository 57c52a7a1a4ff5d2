"""Personal account maintenance (個人帳號維護): the caller's own account, its update and
password change; and GetAccount for services."""

from __future__ import annotations

import json

import grpc
import pytest
from sqlalchemy import select

from jes.identity.v1 import identity_pb2 as pb
from jes.identity.v1 import verification_pb2 as vpb
from jes_grpckit import field_violations
from jes_identity.domain.limits import MAX_FAILED_LOGINS
from jes_identity.models import Account

PASSWORD = "Firm1234!"  # what conftest's add_account sets


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.fixture
def firm(service):
    service.add_account("DEMOFIRM", roles=["firm"], display_name="大華估價")
    return service


@pytest.fixture
def me(firm):
    """A client with DEMOFIRM's access token."""
    return firm.client(firm.login("DEMOFIRM").access_token)


def update_request(**overrides) -> pb.UpdateMyAccountRequest:
    fields = {
        "display_name": "大華不動產估價師事務所",
        "email": "Contact@DaHua.example",
        "phone": "02-2345-6789",
        "contact_person": "王大明",
    }
    fields.update(overrides)
    return pb.UpdateMyAccountRequest(**fields)


def change_password(client, current: str, new: str):
    return client.call(
        "ChangePassword", pb.ChangePasswordRequest(current_password=current, new_password=new)
    )


# -- GetMyAccount ---------------------------------------------------------------------------


def test_get_my_account(me):
    account = me.call("GetMyAccount", pb.GetMyAccountRequest())
    assert account.account_id == "DEMOFIRM"
    assert account.display_name == "大華估價"
    assert account.email == "demofirm@example.com"
    assert list(account.roles) == ["firm"]
    assert account.court_code == "TPD"
    assert account.password_set


def test_my_account_needs_a_user_token(firm):
    assert (
        rpc_error(firm.client().call, "GetMyAccount", pb.GetMyAccountRequest()).code()
        == grpc.StatusCode.UNAUTHENTICATED
    )
    service_client = firm.as_service("notification")
    error = rpc_error(service_client.call, "GetMyAccount", pb.GetMyAccountRequest())
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


# -- UpdateMyAccount ------------------------------------------------------------------------


def confirm_with_mailed_code(service, client) -> pb.Account:
    """Enter the code mailed to the new address (as notification gets it to mail it)."""
    [*_, (_, event)] = service.events(vpb.VerificationCodeRequested)
    code = service.as_service("notification").call(
        "IssueVerificationCode", vpb.IssueVerificationCodeRequest(code_id=event.code_id)
    )
    return client.call("ConfirmEmailChange", vpb.ConfirmEmailChangeRequest(code=code.code))


def test_update_stores_the_new_details(firm, me):
    reply = me.call("UpdateMyAccount", update_request())
    assert reply.display_name == "大華不動產估價師事務所"
    # issue 10: a new address is used only once the code mailed to it is entered
    assert (reply.email, reply.pending_email) == ("demofirm@example.com", "contact@dahua.example")
    reply = confirm_with_mailed_code(firm, me)
    assert reply.email == "contact@dahua.example"
    assert (reply.phone, reply.contact_person) == ("02-2345-6789", "王大明")
    assert me.call("GetMyAccount", pb.GetMyAccountRequest()) == reply


def test_update_is_audited_with_before_and_after_but_no_hash(firm, me):
    me.call("UpdateMyAccount", update_request())
    confirm_with_mailed_code(firm, me)  # the new address is used from here (issue 10)
    [entry, email_entry] = firm.audit()
    assert entry.action == "account.updated"
    assert (entry.subject_type, entry.subject_id) == ("account", "DEMOFIRM")
    assert (entry.actor_account_id, entry.actor_role) == ("DEMOFIRM", "firm")
    assert email_entry.action == "account.email_changed"
    assert (email_entry.subject_id, email_entry.actor_account_id) == ("DEMOFIRM", "DEMOFIRM")
    assert json.loads(email_entry.before_json)["email"] == "demofirm@example.com"
    assert json.loads(email_entry.after_json)["email"] == "contact@dahua.example"
    for text in (entry.before_json, entry.after_json, email_entry.after_json):
        assert "argon2" not in text and "password_hash" not in text


def test_an_update_that_changes_nothing_is_not_audited(firm, me):
    me.call("UpdateMyAccount", update_request())
    me.call("UpdateMyAccount", update_request())
    assert len(firm.audit()) == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"display_name": " "}, "display_name", "請輸入名稱"),
        ({"display_name": "名" * 101}, "display_name", "不可超過 100 個字"),
        ({"email": ""}, "email", "請輸入電子郵件"),
        ({"email": "contact.example.com"}, "email", "電子郵件格式不正確"),
        ({"email": "a@b"}, "email", "電子郵件格式不正確"),
        ({"phone": ""}, "phone", "請輸入電話"),
        ({"phone": "02-CALL-ME"}, "phone", "電話格式不正確"),
        ({"phone": "123"}, "phone", "電話格式不正確"),
        ({"contact_person": "王" * 51}, "contact_person", "不可超過 50 個字"),
    ],
)
def test_update_validation_names_the_bad_field(firm, me, overrides, field, message):
    error = rpc_error(me.call, "UpdateMyAccount", update_request(**overrides))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error) == {field: message}
    assert me.call("GetMyAccount", pb.GetMyAccountRequest()).display_name == "大華估價"


def test_update_reports_every_required_field_at_once(me):
    error = rpc_error(me.call, "UpdateMyAccount", pb.UpdateMyAccountRequest())
    assert set(field_violations(error)) == {"display_name", "email", "phone"}


def test_contact_person_is_optional(me):
    assert me.call("UpdateMyAccount", update_request(contact_person="")).contact_person == ""


# -- ChangePassword -------------------------------------------------------------------------


def test_change_password(firm, me):
    assert change_password(me, PASSWORD, "Changed123!") == pb.ChangePasswordResponse()
    assert firm.login("DEMOFIRM", "Changed123!").access_token
    assert rpc_error(firm.login, "DEMOFIRM", PASSWORD).code() == grpc.StatusCode.UNAUTHENTICATED
    entry = firm.audit()[-1]
    assert (entry.action, entry.subject_id) == ("account.password_changed", "DEMOFIRM")
    assert "argon2" not in entry.after_json


def test_wrong_current_password_is_refused_and_counts_as_a_failed_login(firm, me):
    error = rpc_error(change_password, me, "Wrong1234!", "Changed123!")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error) == {"current_password": "目前密碼不正確"}
    assert ("DEMOFIRM", False) in firm.login_records()
    assert firm.login("DEMOFIRM", PASSWORD).access_token  # unchanged


def test_wrong_current_passwords_lock_the_account(firm, me):
    for _ in range(MAX_FAILED_LOGINS):
        rpc_error(change_password, me, "Wrong1234!", "Changed123!")
    locked = rpc_error(change_password, me, PASSWORD, "Changed123!")
    assert locked.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert rpc_error(firm.login, "DEMOFIRM").code() == grpc.StatusCode.RESOURCE_EXHAUSTED


@pytest.mark.parametrize("weak", ["short1A", "nouppercase1", "NoDigitsHere", "Space 1234A"])
def test_new_password_must_pass_the_policy(firm, me, weak):
    error = rpc_error(change_password, me, PASSWORD, weak)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(error)) == {"new_password"}
    assert firm.login("DEMOFIRM", PASSWORD).access_token


def test_new_password_must_differ(me):
    error = rpc_error(change_password, me, PASSWORD, PASSWORD)
    assert field_violations(error) == {"new_password": "新密碼不可與目前密碼相同"}


def test_wrong_current_and_weak_new_are_reported_together(me):
    error = rpc_error(change_password, me, "Wrong1234!", "weak")
    assert set(field_violations(error)) == {"current_password", "new_password"}


def test_changing_the_password_retires_outstanding_reset_links(firm, me):
    firm.client().call(
        "RequestPasswordReset",
        pb.RequestPasswordResetRequest(account_id="DEMOFIRM", email="demofirm@example.com"),
    )
    [(_, reset)] = firm.events(pb.PasswordResetRequested)
    token = firm.link_token(reset.link_id)  # mailed
    change_password(me, PASSWORD, "Changed123!")
    error = rpc_error(
        firm.client().call,
        "SetPassword",
        pb.SetPasswordRequest(token=token, new_password="Attacker123"),
    )
    assert error.details() == "連結無效或已使用"


# -- GetAccount -----------------------------------------------------------------------------


def test_service_gets_an_account_by_login_name(firm):
    account = firm.as_service("notification").call(
        "GetAccount", pb.GetAccountRequest(account_id="demofirm")
    )
    with firm.kit.db.transaction() as session:
        stored = session.scalar(select(Account).where(Account.account_id == "DEMOFIRM"))
    assert (account.id, account.account_id, account.email) == (
        stored.id,
        "DEMOFIRM",
        "demofirm@example.com",
    )


def test_service_gets_an_account_by_its_token_subject(firm):
    """photo-storage knows a firm by the subject of its token (the account's id)."""
    client = firm.as_service("notification")
    by_login = client.call("GetAccount", pb.GetAccountRequest(account_id="DEMOFIRM"))
    by_id = client.call("GetAccount", pb.GetAccountRequest(account_id=by_login.id))
    assert by_id.account_id == "DEMOFIRM" and by_id.email == by_login.email


def test_get_account_of_an_unknown_login_is_not_found(firm):
    client = firm.as_service("notification")
    error = rpc_error(client.call, "GetAccount", pb.GetAccountRequest(account_id="NOBODY"))
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_users_cannot_get_accounts(firm, me):
    error = rpc_error(me.call, "GetAccount", pb.GetAccountRequest(account_id="DEMOFIRM"))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED

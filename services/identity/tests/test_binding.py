"""Account binding 帳號綁定 (issue 10, journey 9): a portal account and a case-progress
account (案件進度查詢帳號) are bound once the person proves control of both, signed in to
one and proving the other by its password or its mailed code; unbind; audited."""

from __future__ import annotations

import grpc
import pytest

from jes.identity.v1 import binding_pb2 as bpb
from jes.identity.v1 import identity_pb2 as pb
from jes.identity.v1 import verification_pb2 as vpb
from jes_grpckit import field_violations

PASSWORD = "Firm1234!"


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.fixture
def accounts(service):
    service.add_account("DEMOFIRM", roles=["firm"], email="firm@example.com")
    service.add_account(
        "PROGRESS01", roles=["progress"], court_code="", email="progress@example.com"
    )
    service.add_account("PROGRESS02", roles=["progress"], court_code="")
    return service


def signed_in(service, account_id: str):
    return service.client(service.login(account_id).access_token)


def bind(client, account_id: str, password: str = "", code: str = "") -> bpb.AccountBinding:
    return client.call(
        "BindAccount", bpb.BindAccountRequest(account_id=account_id, password=password, code=code)
    )


def bindings(client) -> list[bpb.AccountBinding]:
    return list(client.call("ListMyBindings", bpb.ListMyBindingsRequest()).bindings)


def test_bind_with_the_other_accounts_password_and_unbind(accounts):
    firm = signed_in(accounts, "DEMOFIRM")
    bound = bind(firm, "progress01", password=PASSWORD)
    assert (bound.portal_account_id, bound.progress_account_id) == ("DEMOFIRM", "PROGRESS01")
    progress = signed_in(accounts, "PROGRESS01")
    assert [b.portal_account_id for b in bindings(progress)] == ["DEMOFIRM"]
    assert [b.progress_account_id for b in bindings(firm)] == ["PROGRESS01"]
    progress.call("UnbindAccount", bpb.UnbindAccountRequest(account_id="DEMOFIRM"))
    assert bindings(firm) == [] and bindings(progress) == []
    actions = [(r.action, r.subject_id, r.actor_account_id) for r in accounts.audit()]
    assert actions == [
        ("account.bound", "DEMOFIRM", "DEMOFIRM"),
        ("account.bound", "PROGRESS01", "DEMOFIRM"),
        ("account.unbound", "DEMOFIRM", "PROGRESS01"),
        ("account.unbound", "PROGRESS01", "PROGRESS01"),
    ]


def test_bind_with_the_code_mailed_to_the_other_account(accounts):
    progress = signed_in(accounts, "PROGRESS01")
    sent = progress.call("SendBindingCode", bpb.SendBindingCodeRequest(account_id="DEMOFIRM"))
    assert sent.email == "f****@example.com"  # the other's address, masked
    [(_, event)] = accounts.events(vpb.VerificationCodeRequested)
    assert (event.email, event.purpose) == (
        "firm@example.com",
        vpb.VERIFICATION_PURPOSE_ACCOUNT_BINDING,
    )
    code = accounts.as_service("notification").call(
        "IssueVerificationCode", vpb.IssueVerificationCodeRequest(code_id=event.code_id)
    )
    wrong = rpc_error(bind, progress, "DEMOFIRM", code=f"{(int(code.code) + 1) % 10**6:06d}")
    assert set(field_violations(wrong)) == {"code"}
    bound = bind(progress, "DEMOFIRM", code=code.code)
    assert (bound.portal_account_id, bound.progress_account_id) == ("DEMOFIRM", "PROGRESS01")
    assert rpc_error(bind, progress, "DEMOFIRM", code=code.code).code() == (
        grpc.StatusCode.ALREADY_EXISTS
    )


def test_a_wrong_password_binds_nothing_and_counts_as_a_failed_login(accounts):
    firm = signed_in(accounts, "DEMOFIRM")
    error = rpc_error(bind, firm, "PROGRESS01", password="Wrong1234!")
    assert field_violations(error) == {"password": "密碼不正確"}
    assert ("PROGRESS01", False) in accounts.login_records()
    assert bindings(firm) == []


def test_only_one_of_each_kind_and_one_binding_each(accounts):
    firm = signed_in(accounts, "DEMOFIRM")
    accounts.add_account("OTHERFIRM", roles=["firm"])
    same_kind = rpc_error(bind, firm, "OTHERFIRM", password=PASSWORD)
    assert same_kind.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert same_kind.details() == "帳號綁定須為一個入口網帳號與一個案件進度查詢帳號"
    assert rpc_error(bind, firm, "DEMOFIRM", password=PASSWORD).code() == (
        grpc.StatusCode.FAILED_PRECONDITION
    )
    unknown = rpc_error(bind, firm, "NOSUCH", password=PASSWORD)
    assert unknown.code() == grpc.StatusCode.NOT_FOUND
    both = rpc_error(bind, firm, "PROGRESS01", password=PASSWORD, code="123456")
    assert both.code() == grpc.StatusCode.INVALID_ARGUMENT
    bind(firm, "PROGRESS01", password=PASSWORD)
    taken = rpc_error(bind, firm, "PROGRESS02", password=PASSWORD)
    assert taken.code() == grpc.StatusCode.ALREADY_EXISTS
    other = signed_in(accounts, "OTHERFIRM")
    assert rpc_error(bind, other, "PROGRESS01", password=PASSWORD).code() == (
        grpc.StatusCode.ALREADY_EXISTS
    )
    not_bound = rpc_error(
        other.call, "UnbindAccount", bpb.UnbindAccountRequest(account_id="PROGRESS01")
    )
    assert not_bound.code() == grpc.StatusCode.NOT_FOUND
    assert [b.progress_account_id for b in bindings(firm)] == ["PROGRESS01"]


def test_a_case_progress_account_logs_in_and_keeps_its_profile(accounts):
    """The new kind is a full account: login, its own profile and password."""
    progress = signed_in(accounts, "PROGRESS01")
    me = progress.call("GetMyAccount", pb.GetMyAccountRequest())
    assert list(me.roles) == ["progress"]

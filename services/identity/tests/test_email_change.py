"""Changing one's own e-mail address (issue 10, journey 10): the new address is used
only after the code mailed to it is entered; the old address is then told."""

from __future__ import annotations

import grpc
import pytest

from jes.identity.v1 import identity_pb2 as pb
from jes.identity.v1 import verification_pb2 as vpb
from jes_grpckit import field_violations

NEW = "new.box@dahua.example"


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.fixture
def me(service):
    service.add_account("DEMOFIRM", roles=["firm"], email="firm@example.com")
    return service.client(service.login("DEMOFIRM").access_token)


def mailed_code(service) -> str:
    [*_, (_, event)] = service.events(vpb.VerificationCodeRequested)
    reply = service.as_service("notification").call(
        "IssueVerificationCode", vpb.IssueVerificationCodeRequest(code_id=event.code_id)
    )
    return str(reply.code)


def confirm(client, code: str) -> pb.Account:
    return client.call("ConfirmEmailChange", vpb.ConfirmEmailChangeRequest(code=code))


def request_change(client, email: str = NEW) -> vpb.VerificationCodeSent:
    return client.call("RequestEmailChange", vpb.RequestEmailChangeRequest(email=email))


def test_the_new_address_is_used_after_its_code_and_the_old_one_is_told(service, me):
    sent = request_change(me, " New.Box@DaHua.example ")
    assert sent.email == NEW
    [(_, event)] = service.events(vpb.VerificationCodeRequested)
    assert (event.email, event.purpose, event.account_id) == (
        NEW,
        vpb.VERIFICATION_PURPOSE_EMAIL_CHANGE,
        "DEMOFIRM",
    )
    account = me.call("GetMyAccount", pb.GetMyAccountRequest())
    assert (account.email, account.pending_email) == ("firm@example.com", NEW)
    code = mailed_code(service)
    wrong = rpc_error(confirm, me, f"{(int(code) + 1) % 1_000_000:06d}")
    assert field_violations(wrong) == {"code": "認證碼不正確，還可再試 4 次"}
    assert me.call("GetMyAccount", pb.GetMyAccountRequest()).email == "firm@example.com"
    changed = confirm(me, code)
    assert (changed.email, changed.pending_email) == (NEW, "")
    [(_, told)] = service.events(vpb.EmailChanged)
    assert (told.account_id, told.old_email, told.new_email) == (
        "DEMOFIRM",
        "firm@example.com",
        NEW,
    )
    assert rpc_error(confirm, me, code).code() == grpc.StatusCode.FAILED_PRECONDITION


def test_a_profile_save_with_another_address_mails_a_code_once(service, me):
    request = pb.UpdateMyAccountRequest(display_name="大華", email=NEW, phone="02-2345-6789")
    first = me.call("UpdateMyAccount", request)
    second = me.call("UpdateMyAccount", request)  # saved again: the same code still works
    assert first.email == second.email == "firm@example.com"
    assert second.pending_email == NEW
    assert len(service.events(vpb.VerificationCodeRequested)) == 1
    assert confirm(me, mailed_code(service)).email == NEW


def test_refusals(service, me):
    same = rpc_error(request_change, me, "FIRM@example.com")
    assert field_violations(same) == {"email": "這已是您目前的電子郵件"}
    bad = rpc_error(request_change, me, "not-an-address")
    assert set(field_violations(bad)) == {"email"}
    nothing_pending = rpc_error(confirm, me, "123456")
    assert nothing_pending.code() == grpc.StatusCode.FAILED_PRECONDITION
    request_change(me)
    too_soon = rpc_error(request_change, me, "third@dahua.example")
    assert too_soon.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert set(field_violations(too_soon)) == {"email"}
    no_login = rpc_error(
        service.client().call, "ConfirmEmailChange", vpb.ConfirmEmailChangeRequest()
    )
    assert no_login.code() == grpc.StatusCode.UNAUTHENTICATED
    assert service.events(vpb.EmailChanged) == []

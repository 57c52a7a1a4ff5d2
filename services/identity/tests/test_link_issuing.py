"""IssuePasswordLink: notification, and only notification, gets a one-time link's token
when it sends the mail. Each call makes a new token (the one before stops working); a
used, retired or expired link gets none. Events carry no token (issue 9, finding 5)."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from sqlalchemy import select, update

from jes.identity.v1 import identity_pb2 as pb
from jes_db import utcnow
from jes_grpckit import field_violations
from jes_identity.models import PasswordToken


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.fixture
def firm(service):
    service.add_account("DEMOFIRM", roles=["firm"], email="firm@example.com")
    return service


def reset_link_id(service) -> str:
    service.client().call(
        "RequestPasswordReset",
        pb.RequestPasswordResetRequest(account_id="DEMOFIRM", email="firm@example.com"),
    )
    return str(service.events(pb.PasswordResetRequested)[-1][1].link_id)


def issue(service, link_id: str, caller: str = "notification") -> pb.PasswordLink:
    """As the module `caller`, calling as itself (its certificate, no person's token)."""
    return service.as_service(caller).call(
        "IssuePasswordLink", pb.IssuePasswordLinkRequest(link_id=link_id)
    )


NEW_PASSWORD = "Reset1234!"


def set_password(service, token: str, password: str = NEW_PASSWORD) -> pb.SetPasswordResponse:
    return service.client().call(
        "SetPassword", pb.SetPasswordRequest(token=token, new_password=password)
    )


def test_no_event_of_identity_carries_a_raw_token(firm):
    link_id = reset_link_id(firm)
    token = issue(firm, link_id).token
    raw_outbox = b"".join(
        envelope.SerializeToString() for envelope, _ in firm.events(pb.PasswordResetRequested)
    )
    assert token.encode() not in raw_outbox
    assert "token" not in pb.PasswordResetRequested.DESCRIPTOR.fields_by_name


def test_only_notification_gets_a_links_token(firm):
    link_id = reset_link_id(firm)
    for module in ("review-workflow", "gateway", "photo-storage", "case-sync"):
        error = rpc_error(issue, firm, link_id, module)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED, module
    # the account holder's own token, forwarded by the gateway
    user = firm.client(firm.login("DEMOFIRM").access_token)
    error = rpc_error(user.call, "IssuePasswordLink", pb.IssuePasswordLinkRequest(link_id=link_id))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    # nothing was issued to them: the link's token is still the unknown placeholder
    link = issue(firm, link_id)
    assert set_password(firm, link.token).account_id == "DEMOFIRM"


def test_each_issue_is_a_new_token_and_voids_the_one_before(firm):
    link_id = reset_link_id(firm)
    first = issue(firm, link_id)
    second = issue(firm, link_id)  # a retried send
    assert first.token != second.token
    assert first.expires_at == second.expires_at  # the link's lifetime does not restart
    assert rpc_error(set_password, firm, first.token).details() == "連結無效或已使用"
    assert set_password(firm, second.token).account_id == "DEMOFIRM"
    # used: no more tokens
    error = rpc_error(issue, firm, link_id)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "連結無效或已使用"


def test_expired_retired_and_unknown_links_get_no_token(firm):
    old = reset_link_id(firm)
    newer = reset_link_id(firm)  # retires the first
    assert rpc_error(issue, firm, old).code() == grpc.StatusCode.FAILED_PRECONDITION
    with firm.kit.db.transaction() as session:
        session.execute(
            update(PasswordToken)
            .where(PasswordToken.id == newer)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    expired = rpc_error(issue, firm, newer)
    assert expired.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert expired.details().startswith("連結已過期")
    assert rpc_error(issue, firm, "no-such-link").code() == grpc.StatusCode.NOT_FOUND
    blank = rpc_error(issue, firm, " ")
    assert blank.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(blank)) == {"link_id"}


def test_a_link_is_usable_only_through_an_issued_token(firm):
    """Before notification asks, the link's stored hash is of a token nobody has."""
    link_id = reset_link_id(firm)
    with firm.kit.db.transaction() as session:
        before = session.scalar(select(PasswordToken.token_hash).where(PasswordToken.id == link_id))
    token = issue(firm, link_id).token
    with firm.kit.db.transaction() as session:
        after = session.scalar(select(PasswordToken.token_hash).where(PasswordToken.id == link_id))
    assert before != after
    assert set_password(firm, token).account_id == "DEMOFIRM"

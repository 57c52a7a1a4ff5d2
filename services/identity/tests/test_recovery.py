"""Forgot password and forgot account id: mailed only when the details match, the same
reply either way, rate-limited in the database."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import grpc
import pytest
from sqlalchemy import select, update

from jes.identity.v1 import identity_pb2 as pb
from jes_db import Database, utcnow
from jes_grpckit import ResourceExhausted, field_violations
from jes_identity.domain.limits import MAIL_REQUESTS_PER_WINDOW
from jes_identity.grpc_api import IdentityServicer
from jes_identity.models import PasswordToken, RateLimitHit


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


def request_reset(service, account_id: str, email: str):
    return service.client().call(
        "RequestPasswordReset",
        pb.RequestPasswordResetRequest(account_id=account_id, email=email),
    )


def remind(service, email: str):
    return service.client().call("RemindAccountId", pb.RemindAccountIdRequest(email=email))


def reset_links(service) -> list[PasswordToken]:
    with service.kit.db.transaction() as session:
        query = select(PasswordToken).where(PasswordToken.purpose == "reset")
        return list(session.scalars(query.order_by(PasswordToken.created_at)))


@pytest.fixture
def firm(service):
    service.add_account(
        "DEMOFIRM", roles=["firm"], email="Firm@Example.com", display_name="大華估價"
    )
    return service


# -- password reset -------------------------------------------------------------------------


def test_matching_account_and_email_get_a_reset_link(firm):
    reply = request_reset(firm, " demofirm ", "FIRM@example.COM ")
    assert reply == pb.RequestPasswordResetResponse()
    [(envelope, event)] = firm.events(pb.PasswordResetRequested)
    assert envelope.source == "identity"
    assert (event.account_id, event.email, event.display_name) == (
        "DEMOFIRM",
        "Firm@Example.com",
        "大華估價",
    )
    assert event.link_id
    token = firm.link_token(event.link_id)
    [link] = reset_links(firm)
    assert link.id == event.link_id
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert timedelta(minutes=59) < link.expires_at - link.created_at <= timedelta(hours=1)
    assert event.expires_at.ToDatetime().timestamp() == pytest.approx(
        link.expires_at.timestamp(), abs=1
    )


def test_reset_link_sets_a_new_password_once(firm):
    request_reset(firm, "DEMOFIRM", "firm@example.com")
    [(_, event)] = firm.events(pb.PasswordResetRequested)
    token = firm.link_token(event.link_id)
    reply = firm.client().call(
        "SetPassword", pb.SetPasswordRequest(token=token, new_password="Reset1234!")
    )
    assert reply.account_id == "DEMOFIRM"
    assert firm.login("DEMOFIRM", "Reset1234!").access_token
    assert rpc_error(firm.login, "DEMOFIRM").code() == grpc.StatusCode.UNAUTHENTICATED
    again = rpc_error(
        firm.client().call,
        "SetPassword",
        pb.SetPasswordRequest(token=token, new_password="Again1234!"),
    )
    assert again.details() == "連結無效或已使用"


def test_expired_reset_link_is_refused(firm):
    request_reset(firm, "DEMOFIRM", "firm@example.com")
    [(_, event)] = firm.events(pb.PasswordResetRequested)
    token = firm.link_token(event.link_id)
    with firm.kit.db.transaction() as session:
        session.execute(update(PasswordToken).values(expires_at=utcnow() - timedelta(minutes=1)))
    error = rpc_error(
        firm.client().call,
        "SetPassword",
        pb.SetPasswordRequest(token=token, new_password="Reset1234!"),
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details().startswith("連結已過期")


def test_a_new_reset_link_invalidates_the_earlier_one(firm):
    request_reset(firm, "DEMOFIRM", "firm@example.com")
    [(_, first)] = firm.events(pb.PasswordResetRequested)
    first_token = firm.link_token(first.link_id)  # mailed
    request_reset(firm, "DEMOFIRM", "firm@example.com")
    [_, (_, second)] = firm.events(pb.PasswordResetRequested)
    second_token = firm.link_token(second.link_id)
    old = rpc_error(
        firm.client().call,
        "SetPassword",
        pb.SetPasswordRequest(token=first_token, new_password="Reset1234!"),
    )
    assert old.details() == "連結無效或已使用"
    firm.client().call(
        "SetPassword", pb.SetPasswordRequest(token=second_token, new_password="Reset1234!")
    )
    assert firm.login("DEMOFIRM", "Reset1234!").access_token


@pytest.mark.parametrize(
    ("account_id", "email"),
    [
        ("DEMOFIRM", "someone.else@example.com"),  # the wrong e-mail
        ("NOBODY", "firm@example.com"),  # no such account
    ],
)
def test_no_match_gets_the_same_reply_and_no_mail(firm, account_id, email):
    assert request_reset(firm, account_id, email) == request_reset(
        firm, "DEMOFIRM", "firm@example.com"
    )
    assert len(firm.events(pb.PasswordResetRequested)) == 1  # only the matching request


def test_disabled_account_gets_no_reset_link(service):
    service.add_account("OLDFIRM", roles=["firm"], status="disabled")
    request_reset(service, "OLDFIRM", "oldfirm@example.com")
    assert service.events(pb.PasswordResetRequested) == []


@pytest.mark.parametrize(
    ("account_id", "email", "field", "message"),
    [
        ("", "firm@example.com", "account_id", "請輸入帳號"),
        ("A" * 21, "firm@example.com", "account_id", "帳號格式不正確"),
        ("DEMOFIRM", "", "email", "電子郵件格式不正確"),
        ("DEMOFIRM", "firm.example.com", "email", "電子郵件格式不正確"),
    ],
)
def test_reset_request_validation(firm, account_id, email, field, message):
    error = rpc_error(request_reset, firm, account_id, email)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error) == {field: message}


def test_reset_requests_are_limited_per_account_id(firm):
    for n in range(MAIL_REQUESTS_PER_WINDOW):
        request_reset(firm, "DEMOFIRM", f"guess{n}@example.com")
    error = rpc_error(request_reset, firm, "DEMOFIRM", "firm@example.com")
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error.details() == "申請次數過多，請 1 小時後再試"
    assert firm.events(pb.PasswordResetRequested) == []


def test_reset_requests_are_limited_per_email(firm):
    for n in range(MAIL_REQUESTS_PER_WINDOW):
        request_reset(firm, f"GUESS{n}", "firm@example.com")
    error = rpc_error(request_reset, firm, "DEMOFIRM", "FIRM@example.com")
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_unknown_accounts_are_limited_alike(service):
    """The limit cannot tell an attacker whether an account id exists."""
    for _ in range(MAIL_REQUESTS_PER_WINDOW):
        request_reset(service, "NOBODY", "a@example.com")
    assert (
        rpc_error(request_reset, service, "NOBODY", "a@example.com").code()
        == grpc.StatusCode.RESOURCE_EXHAUSTED
    )


def test_requests_older_than_an_hour_do_not_count(firm):
    for _ in range(MAIL_REQUESTS_PER_WINDOW):
        request_reset(firm, "DEMOFIRM", "firm@example.com")
    with firm.kit.db.transaction() as session:
        session.execute(update(RateLimitHit).values(at=utcnow() - timedelta(minutes=61)))
    request_reset(firm, "DEMOFIRM", "firm@example.com")
    assert len(firm.events(pb.PasswordResetRequested)) == MAIL_REQUESTS_PER_WINDOW + 1


def test_the_limit_holds_across_identity_processes(firm):
    """Counted in the database: another identity instance (its own engine on the same
    database) sees the requests this one counted."""
    other_db = Database(firm.kit.db.url)
    other = IdentityServicer(other_db, firm.kit.outbox, firm.keys, "unused")
    for _ in range(MAIL_REQUESTS_PER_WINDOW):
        request_reset(firm, "DEMOFIRM", "firm@example.com")
    with pytest.raises(ResourceExhausted):
        other.RequestPasswordReset(
            pb.RequestPasswordResetRequest(account_id="DEMOFIRM", email="x@example.com"), None
        )
    other_db.dispose()


def test_rate_limit_table_holds_no_email_addresses(firm):
    request_reset(firm, "DEMOFIRM", "firm@example.com")
    remind(firm, "firm@example.com")
    with firm.kit.db.transaction() as session:
        keys = session.scalars(select(RateLimitHit.key_hash)).all()
    assert len(keys) == 3
    assert all(len(k) == 64 and "@" not in k for k in keys)


# -- account id reminder --------------------------------------------------------------------


def test_reminder_lists_every_active_account_with_the_email(service):
    service.add_account("FIRMB", roles=["firm"], email="shared@example.com")
    service.add_account("FIRMA", roles=["firm"], email="Shared@Example.com")
    service.add_account("FIRMGONE", roles=["firm"], email="shared@example.com", status="disabled")
    service.add_account("OTHER", roles=["firm"], email="other@example.com")
    assert remind(service, " SHARED@example.com ") == pb.RemindAccountIdResponse()
    [(_, event)] = service.events(pb.AccountIdReminderRequested)
    assert event.email == "shared@example.com"
    assert list(event.account_ids) == ["FIRMA", "FIRMB"]


def test_reminder_for_an_unknown_email_gets_the_same_reply_and_no_mail(service):
    assert remind(service, "nobody@example.com") == pb.RemindAccountIdResponse()
    assert service.events(pb.AccountIdReminderRequested) == []


def test_reminder_needs_a_valid_email(service):
    error = rpc_error(remind, service, "not-an-email")
    assert field_violations(error) == {"email": "電子郵件格式不正確"}


def test_reminders_are_rate_limited_per_email(firm):
    for _ in range(MAIL_REQUESTS_PER_WINDOW):
        remind(firm, "firm@example.com")
    error = rpc_error(remind, firm, "FIRM@example.com")
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error.details() == "申請次數過多，請 1 小時後再試"
    assert len(firm.events(pb.AccountIdReminderRequested)) == MAIL_REQUESTS_PER_WINDOW
    remind(firm, "other@example.com")  # another address is not affected

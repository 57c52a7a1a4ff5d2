"""E-mail verification codes (issue 10): 6 digits, only hashed at rest, made when
notification sends the mail, 10 minutes, 5 tries, resend after 60 s and at most 5 an
hour, single use."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from sqlalchemy import select, update

from jes.identity.v1 import verification_pb2 as vpb
from jes_db import utcnow
from jes_domain import FailedPrecondition
from jes_grpckit import field_violations
from jes_identity.models import EmailCode
from jes_identity.usecases.codes import registration_email_verified

REGISTRATION = vpb.VERIFICATION_PURPOSE_REGISTRATION
REG_ID = "reg-0123456789abcdef"
EMAIL = "new.user@example.com"


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


def send(service, email: str = EMAIL, registration_id: str = REG_ID, token=None):
    return service.client(token).call(
        "SendVerificationCode",
        vpb.SendVerificationCodeRequest(
            purpose=REGISTRATION, email=email, registration_id=registration_id
        ),
    )


def mailed_code(service, code_id: str, caller: str = "notification") -> str:
    """As notification does when it sends the mail."""
    reply = service.as_service(caller).call(
        "IssueVerificationCode", vpb.IssueVerificationCodeRequest(code_id=code_id)
    )
    return str(reply.code)


def verify(service, code: str, email: str = EMAIL, registration_id: str = REG_ID):
    return service.client().call(
        "VerifyEmailCode",
        vpb.VerifyEmailCodeRequest(
            purpose=REGISTRATION, email=email, registration_id=registration_id, code=code
        ),
    )


def age_codes(service, seconds: int) -> None:
    """Move every code `seconds` into the past (as if sent that long ago)."""
    with service.kit.db.transaction() as session:
        for row in session.scalars(select(EmailCode)):
            row.created_at -= timedelta(seconds=seconds)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_mailed_code_verifies_the_address_once(service):
    sent = send(service, email=" New.User@Example.com ")
    assert sent.email == EMAIL
    assert sent.resend_after_seconds in (59, 60)
    assert 9 * 60 < (sent.expires_at.ToDatetime() - utcnow().replace(tzinfo=None)).seconds <= 600
    [(_, event)] = service.events(vpb.VerificationCodeRequested)
    assert (event.code_id, event.email, event.purpose) == (sent.code_id, EMAIL, REGISTRATION)
    code = mailed_code(service, sent.code_id)
    assert len(code) == 6 and code.isdigit()
    verified = verify(service, code)
    assert verified.email == EMAIL
    again = rpc_error(verify, service, code)  # single use
    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert again.details() == "請先發送認證碼"


def test_the_code_is_nowhere_in_clear(service):
    sent = send(service)
    code = mailed_code(service, sent.code_id)
    raw_outbox = b"".join(
        envelope.SerializeToString()
        for envelope, _ in service.events(vpb.VerificationCodeRequested)
    )
    assert "code" not in vpb.VerificationCodeRequested.DESCRIPTOR.fields_by_name
    with service.kit.db.transaction() as session:
        row = session.get(EmailCode, sent.code_id)
        assert row is not None
        stored = " ".join(str(value) for value in row.__dict__.values())
    assert code not in stored
    assert code.encode() not in raw_outbox


def test_each_issue_is_a_new_code_and_voids_the_one_before(service):
    sent = send(service)
    first = mailed_code(service, sent.code_id)
    second = mailed_code(service, sent.code_id)  # a retried send
    if first != second:  # one in a million they coincide
        error = rpc_error(verify, service, first)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert verify(service, second).email == EMAIL
    used = rpc_error(mailed_code, service, sent.code_id)
    assert used.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_only_notification_gets_the_code(service):
    sent = send(service)
    for module in ("gateway", "review-workflow", "photo-storage", "case-sync"):
        error = rpc_error(mailed_code, service, sent.code_id, module)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED, module


def test_five_wrong_tries_use_the_code_up(service):
    sent = send(service)
    code = mailed_code(service, sent.code_id)
    for tries_left in (4, 3, 2, 1):
        error = rpc_error(verify, service, wrong(code))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field_violations(error) == {"code": f"認證碼不正確，還可再試 {tries_left} 次"}
    last = rpc_error(verify, service, wrong(code))
    assert field_violations(last) == {"code": "認證碼錯誤次數過多，請重新發送認證碼"}
    # the right code no longer works: a new one must be sent
    assert rpc_error(verify, service, code).code() == grpc.StatusCode.FAILED_PRECONDITION


def test_an_expired_code_is_refused(service):
    sent = send(service)
    code = mailed_code(service, sent.code_id)
    with service.kit.db.transaction() as session:
        session.execute(update(EmailCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    error = rpc_error(verify, service, code)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "認證碼已過期，請重新發送認證碼"
    assert rpc_error(mailed_code, service, sent.code_id).code() == (
        grpc.StatusCode.FAILED_PRECONDITION
    )


def test_a_new_code_waits_60_seconds_and_replaces_the_old_one(service):
    first = send(service)
    old_code = mailed_code(service, first.code_id)
    too_soon = rpc_error(send, service)
    assert too_soon.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "秒後再重新發送" in too_soon.details()
    age_codes(service, 61)
    second = send(service)
    new_code = mailed_code(service, second.code_id)
    if old_code != new_code:
        assert rpc_error(verify, service, old_code).code() == grpc.StatusCode.INVALID_ARGUMENT
    assert verify(service, new_code).email == EMAIL


def test_at_most_five_codes_an_hour(service):
    for _ in range(5):
        send(service)
        age_codes(service, 61)
    error = rpc_error(send, service)
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error.details() == "認證碼發送次數過多，請 1 小時後再試"
    age_codes(service, 3600)
    assert send(service).email == EMAIL


def test_one_address_gets_at_most_ten_codes_an_hour_whoever_asks(service):
    for n in range(10):
        send(service, registration_id=f"reg-{n:016d}")
    error = rpc_error(send, service, registration_id="reg-another-registration")
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_a_code_is_for_its_address_and_registration(service):
    sent = send(service)
    code = mailed_code(service, sent.code_id)
    other_address = rpc_error(verify, service, code, email="someone.else@example.com")
    assert other_address.code() == grpc.StatusCode.FAILED_PRECONDITION
    other_registration = rpc_error(verify, service, code, registration_id="reg-not-the-same-one")
    assert other_registration.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert verify(service, code).email == EMAIL


def test_bad_requests_change_nothing(service):
    for fields, field in (
        ({"email": "not-an-address"}, "email"),
        ({"registration_id": "short"}, "registration_id"),
    ):
        error = rpc_error(send, service, **fields)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert set(field_violations(error)) == {field}
    no_purpose = rpc_error(
        service.client().call,
        "SendVerificationCode",
        vpb.SendVerificationCodeRequest(email=EMAIL, registration_id=REG_ID),
    )
    assert set(field_violations(no_purpose)) == {"purpose"}
    # a visitor without a registration is asked to log in
    anonymous = rpc_error(send, service, registration_id="")
    assert anonymous.code() == grpc.StatusCode.UNAUTHENTICATED
    sent = send(service)
    code = mailed_code(service, sent.code_id)
    for typed in ("", "12345", "abcdef"):
        error = rpc_error(verify, service, typed)
        assert set(field_violations(error)) == {"code"}
    with service.kit.db.transaction() as session:
        rows = session.scalars(select(EmailCode)).all()
        assert [(r.attempts, r.verified_at) for r in rows] == [(0, None)]
    assert verify(service, code).email == EMAIL


def test_a_registration_uses_its_verified_address_once(service):
    with service.kit.db.transaction() as session, pytest.raises(FailedPrecondition):
        registration_email_verified(session, REG_ID, EMAIL)
    sent = send(service)
    verify(service, mailed_code(service, sent.code_id))
    with service.kit.db.transaction() as session:
        registration_email_verified(session, REG_ID, EMAIL)
    with service.kit.db.transaction() as session, pytest.raises(FailedPrecondition) as caught:
        registration_email_verified(session, REG_ID, EMAIL)
    assert caught.value.fields == {"email": "請先完成電子郵件認證"}

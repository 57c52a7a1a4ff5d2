"""IdentityService through a real gRPC server: applications, login, service tokens, staff."""

from __future__ import annotations

import json
from datetime import timedelta

import grpc
import pytest

from jes.identity.v1 import identity_pb2 as pb
from jes_db import utcnow
from jes_grpckit import field_violations
from jes_identity.domain.limits import MAX_FAILED_LOGINS
from jes_identity.models import FirmApplication, LoginRecord

WRONG_LOGIN = "帳號或密碼錯誤"


def apply_request(**overrides) -> pb.ApplyFirmAccountRequest:
    fields = {
        "court_code": "TPD",
        "company_name": "大華不動產估價師事務所",
        "contact_person": "王大明",
        "email": "wang@example.com",
        "phone": "02-2345-6789",
    }
    fields.update(overrides)
    return pb.ApplyFirmAccountRequest(**fields)


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


# -- ApplyFirmAccount -----------------------------------------------------------------------


def test_application_is_stored_pending_and_announced(service):
    reply = service.client().call(
        "ApplyFirmAccount",
        apply_request(
            company_name=" 大華估價 ", contact_person=" 王大明 ", email=" Wang.DaMing@Example.COM "
        ),
    )
    assert reply.status == pb.APPLICATION_STATUS_PENDING
    assert reply.email == "wang.daming@example.com"
    assert (reply.company_name, reply.contact_person) == ("大華估價", "王大明")
    assert reply.court_code == "TPD"
    assert reply.created_at.seconds > 0
    with service.kit.db.transaction() as session:
        stored = session.get(FirmApplication, reply.id)
        assert stored is not None
        assert (stored.status, stored.email) == ("pending", "wang.daming@example.com")
    [(envelope, event)] = service.events(pb.FirmAccountApplied)
    assert envelope.subject == reply.id
    assert envelope.source == "identity"
    assert event.application == reply


def test_applying_needs_no_token(service):
    assert service.client(token=None).call("ApplyFirmAccount", apply_request()).id


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"court_code": ""}, "court_code", "請選擇所屬法院"),
        ({"court_code": "XYZ"}, "court_code", "請選擇所屬法院"),
        ({"company_name": "  "}, "company_name", "請輸入公司名稱"),
        ({"company_name": "估" * 101}, "company_name", "不可超過 100 個字"),
        ({"contact_person": ""}, "contact_person", "請輸入聯絡人"),
        ({"contact_person": "王" * 51}, "contact_person", "不可超過 50 個字"),
        ({"email": ""}, "email", "電子郵件格式不正確"),
        ({"email": "wang.example.com"}, "email", "電子郵件格式不正確"),
        ({"email": "wang@example"}, "email", "電子郵件格式不正確"),
        ({"email": "wang da@example.com"}, "email", "電子郵件格式不正確"),
        ({"phone": ""}, "phone", "電話格式不正確"),
        ({"phone": "12345"}, "phone", "電話格式不正確"),
        ({"phone": "02-CALL-ME"}, "phone", "電話格式不正確"),
        ({"phone": "1" * 41}, "phone", "電話格式不正確"),
    ],
)
def test_application_validation_names_the_bad_field(service, overrides, field, message):
    error = rpc_error(service.client().call, "ApplyFirmAccount", apply_request(**overrides))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "申請資料有誤，請修正後再送出"
    assert field_violations(error) == {field: message}
    assert service.events(pb.FirmAccountApplied) == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"company_name": "估" * 100},
        {"contact_person": "王" * 50},
        {"phone": "123456"},
        {"phone": "+886 (2) 2345-6789 #12"},
        {"court_code": "KLD"},
    ],
)
def test_application_limits_are_inclusive(service, overrides):
    assert service.client().call("ApplyFirmAccount", apply_request(**overrides)).id


def test_application_reports_every_bad_field_at_once(service):
    error = rpc_error(
        service.client().call,
        "ApplyFirmAccount",
        pb.ApplyFirmAccountRequest(),
    )
    assert set(field_violations(error)) == {
        "court_code",
        "company_name",
        "contact_person",
        "email",
        "phone",
    }


# -- Login ----------------------------------------------------------------------------------


def test_login_returns_a_verifiable_token_with_roles_and_court(service):
    account = service.add_account(
        "DEMOCLERK", roles=["clerk", "admin"], court_code="TPD", display_name="林書記官"
    )
    reply = service.login("DEMOCLERK")
    claims = service.verifier().verify(reply.access_token)
    assert claims.subject == account.id
    assert claims.kind == "user"
    assert claims.roles == frozenset({"clerk", "admin"})
    assert claims.court_code == "TPD"
    assert claims.name == "林書記官"
    # issue 10: access tokens live 5 minutes, tied to the login's session; the session
    # (idle 30 minutes, at most 12 hours) gives the next one (test_sessions.py)
    assert reply.expires_in_seconds == 5 * 60
    assert claims.session_id == reply.session_id != ""
    assert reply.account.account_id == "DEMOCLERK"
    assert sorted(reply.account.roles) == ["admin", "clerk"]
    assert reply.account.court_code == "TPD"


def test_account_id_is_matched_case_and_space_insensitively(service):
    service.add_account("DEMOFIRM", roles=["firm"])
    assert service.login("  demofirm ").account.account_id == "DEMOFIRM"


def test_wrong_password_and_unknown_account_fail_alike(service):
    service.add_account("DEMOFIRM", roles=["firm"])
    wrong = rpc_error(service.login, "DEMOFIRM", "Wrong1234!")
    unknown = rpc_error(service.login, "NOBODY", "Firm1234!")
    for error in (wrong, unknown):
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
        assert error.details() == WRONG_LOGIN


@pytest.mark.parametrize("account_id", ["", "A" * 21])
def test_empty_or_over_long_account_id_fails_like_a_wrong_password(service, account_id):
    error = rpc_error(service.login, account_id, "Wrong1234!")
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error.details() == WRONG_LOGIN
    assert service.login_records() == []  # nothing that could overflow a column


def test_disabled_account_cannot_log_in_even_with_its_password(service):
    service.add_account("OLDFIRM", roles=["firm"], status="disabled")
    error = rpc_error(service.login, "OLDFIRM")
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error.details() == WRONG_LOGIN


def test_every_attempt_is_recorded_under_the_normalized_id(service):
    service.add_account("DEMOFIRM", roles=["firm"])
    rpc_error(service.login, "demofirm", "Wrong1234!")
    rpc_error(service.login, "ghost", "Wrong1234!")
    service.login("DemoFirm")
    assert service.login_records() == [
        ("DEMOFIRM", False),
        ("GHOST", False),
        ("DEMOFIRM", True),
    ]


def test_five_failures_lock_the_account_id_even_for_the_right_password(service):
    service.add_account("DEMOFIRM", roles=["firm"])
    for _ in range(MAX_FAILED_LOGINS):
        assert rpc_error(service.login, "DEMOFIRM", "Wrong1234!").details() == WRONG_LOGIN
    error = rpc_error(service.login, "demofirm")
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "15 分鐘" in error.details()
    # attempts while locked are not recorded: the lock ends 15 minutes after the 5th failure
    assert len(service.login_records()) == MAX_FAILED_LOGINS


def test_four_failures_do_not_lock(service):
    service.add_account("DEMOFIRM", roles=["firm"])
    for _ in range(MAX_FAILED_LOGINS - 1):
        rpc_error(service.login, "DEMOFIRM", "Wrong1234!")
    assert service.login("DEMOFIRM").access_token


def test_unknown_account_ids_are_locked_too(service):
    for _ in range(MAX_FAILED_LOGINS):
        rpc_error(service.login, "GUESS", "Wrong1234!")
    assert rpc_error(service.login, "GUESS").code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_lock_is_per_account_id(service):
    service.add_account("DEMOFIRM", roles=["firm"])
    service.add_account("OTHERFIRM", roles=["firm"])
    for _ in range(MAX_FAILED_LOGINS):
        rpc_error(service.login, "DEMOFIRM", "Wrong1234!")
    assert service.login("OTHERFIRM").access_token


def test_failures_older_than_the_window_do_not_count(service):
    service.add_account("DEMOFIRM", roles=["firm"])
    long_ago = utcnow() - timedelta(minutes=16)
    with service.kit.db.transaction() as session:
        for _ in range(MAX_FAILED_LOGINS):
            session.add(LoginRecord(account_id="DEMOFIRM", success=False, at=long_ago))
    assert service.login("DEMOFIRM").access_token


def test_a_success_does_not_reset_the_failure_count(service):
    service.add_account("DEMOFIRM", roles=["firm"])
    for _ in range(MAX_FAILED_LOGINS - 1):
        rpc_error(service.login, "DEMOFIRM", "Wrong1234!")
    service.login("DEMOFIRM")
    rpc_error(service.login, "DEMOFIRM", "Wrong1234!")
    assert rpc_error(service.login, "DEMOFIRM").code() == grpc.StatusCode.RESOURCE_EXHAUSTED


# -- GetKeySet -----------------------------------------------------------------------------


def test_key_set_is_public_and_holds_the_signing_key(service):
    reply = service.as_service("photo-storage").call("GetKeySet", pb.GetKeySetRequest())
    jwks = json.loads(reply.jwks_json)
    assert [k["kid"] for k in jwks["keys"]] == [service.keys.current.kid]
    assert all("d" not in k for k in jwks["keys"])  # public halves only


# -- ListCourtStaff -------------------------------------------------------------------------


@pytest.fixture
def staff(service):
    service.add_account("TPDCLERK2", roles=["clerk"], court_code="TPD")
    service.add_account("TPDCLERK1", roles=["clerk"], court_code="TPD")
    service.add_account("TPDCHIEF", roles=["clerk", "admin"], court_code="TPD")
    service.add_account("TPDGONE", roles=["clerk"], court_code="TPD", status="disabled")
    service.add_account("TPDFIRM", roles=["firm"], court_code="TPD")
    service.add_account("KLDCLERK", roles=["clerk"], court_code="KLD")
    return service


def list_staff(service, token, court_code="TPD", role="", caller="gateway"):
    return service.client(token, caller=caller).call(
        "ListCourtStaff", pb.ListCourtStaffRequest(court_code=court_code, role=role)
    )


def test_service_lists_the_active_clerks_of_a_court_in_order(staff):
    reply = list_staff(staff, None, caller="notification")
    assert [a.account_id for a in reply.accounts] == ["TPDCHIEF", "TPDCLERK1", "TPDCLERK2"]
    assert reply.accounts[1].email == "tpdclerk1@example.com"


def test_role_filter(staff):
    reply = list_staff(staff, None, role="admin", caller="notification")
    assert [a.account_id for a in reply.accounts] == ["TPDCHIEF"]


def test_clerk_lists_own_court(staff):
    token = staff.issuer.issue("c", roles=["clerk"], court_code="KLD")
    assert [a.account_id for a in list_staff(staff, token, "KLD").accounts] == ["KLDCLERK"]


def test_clerk_of_another_court_is_permission_denied(staff):
    token = staff.issuer.issue("c", roles=["clerk"], court_code="TPD")
    assert rpc_error(list_staff, staff, token, "KLD").code() == grpc.StatusCode.PERMISSION_DENIED


def test_firm_of_the_court_is_permission_denied(staff):
    token = staff.login("TPDFIRM").access_token
    assert rpc_error(list_staff, staff, token).code() == grpc.StatusCode.PERMISSION_DENIED


def test_admin_lists_any_court(staff):
    token = staff.issuer.issue("root", roles=["admin"], court_code="TPD")
    assert [a.account_id for a in list_staff(staff, token, "KLD").accounts] == ["KLDCLERK"]


def test_listing_staff_needs_a_token(staff):
    assert rpc_error(list_staff, staff, None).code() == grpc.StatusCode.UNAUTHENTICATED


def login_from(service, account_id: str, password: str, client: str) -> pb.LoginResponse:
    """A login as the gateway sends it: with the client address it counts limits by."""
    return service.client().call(
        "Login", pb.LoginRequest(account_id=account_id, password=password, client_address=client)
    )


def test_an_attacker_cannot_lock_a_real_user_out(service):
    """The lockout counts failures per account and client: someone guessing DEMOFIRM's
    password from one address locks out only that address, not the firm's own."""
    service.add_account("DEMOFIRM", roles=["firm"])
    for _ in range(MAX_FAILED_LOGINS + 2):
        rpc_error(login_from, service, "DEMOFIRM", "Wrong1234!", "198.51.100.66")
    locked = rpc_error(login_from, service, "DEMOFIRM", "Firm1234!", "198.51.100.66")
    assert locked.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert login_from(service, "DEMOFIRM", "Firm1234!", "203.0.113.5").access_token

"""Case-progress accounts for litigants (seed 002, issue 11): opened by case-sync when a
court approves the first follow application of an e-mail, activated by a one-time link
(the same as firms'), found again for later approvals; and who a reader is for
case-sync (own account, the bound case-progress account, the prosecutor id)."""

from __future__ import annotations

import grpc
import pytest
from sqlalchemy import select

from jes.identity.v1 import binding_pb2 as bpb
from jes.identity.v1 import identity_pb2 as pb
from jes.identity.v1 import progress_accounts_pb2 as ppb
from jes_grpckit import field_violations
from jes_identity.models import Account

NEW_PASSWORD = "Newpass123!"


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


def open_account(service, email: str, name: str = "張三", caller: str = "case-sync"):
    request = ppb.OpenProgressAccountRequest(email=email, display_name=name, reason="TPD 追蹤核准")
    return service.as_service(caller).call("OpenProgressAccount", request)


def test_the_first_approval_opens_a_progress_account_without_a_password(service):
    opened = open_account(service, " Zhang@Example.com ")
    assert opened.opened and opened.activation_link_id
    assert opened.account_id.startswith("P") and len(opened.account_id) == 11
    with service.kit.db.transaction() as session:
        account = session.get(Account, opened.id)
        assert account is not None
        assert (account.email, account.roles, account.display_name) == (
            "zhang@example.com",
            "progress",
            "張三",
        )
        assert account.password_hash is None
    [record] = [r for r in service.audit() if r.subject_id == opened.account_id]
    assert (record.action, record.actor_account_id) == ("account.created", "service:case-sync")


def test_the_activation_link_sets_the_password_and_later_approvals_only_notify(service):
    opened = open_account(service, "zhang@example.com")
    again = open_account(service, "ZHANG@example.com")
    assert (again.id, again.opened) == (opened.id, False)
    assert again.activation_link_id == opened.activation_link_id  # still to be activated
    token = service.link_token(opened.activation_link_id)
    service.client().call(
        "SetPassword", pb.SetPasswordRequest(token=token, new_password=NEW_PASSWORD)
    )
    later = open_account(service, "zhang@example.com")
    assert (later.id, later.opened, later.activation_link_id) == (opened.id, False, "")
    assert service.login(opened.account_id, NEW_PASSWORD).access_token


def test_an_existing_progress_account_of_the_email_is_used(service):
    existing = service.add_account(
        "DEMOPROGRESS", roles=["progress"], court_code="", email="Progress@Example.com"
    )
    opened = open_account(service, "progress@example.com")
    assert (opened.id, opened.account_id, opened.opened) == (existing.id, "DEMOPROGRESS", False)
    assert opened.activation_link_id == ""  # it has a password


def test_a_portal_account_with_the_same_email_is_not_taken_for_one(service):
    service.add_account("DEMOFIRM", roles=["firm"], email="zhang@example.com")
    opened = open_account(service, "zhang@example.com")
    assert opened.opened and opened.account_id != "DEMOFIRM"


def test_only_case_sync_opens_progress_accounts(service):
    error = rpc_error(open_account, service, "zhang@example.com", caller="notification")
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    with service.kit.db.transaction() as session:
        assert session.scalars(select(Account)).all() == []


def test_a_bad_email_is_refused(service):
    error = rpc_error(open_account, service, "not-an-email")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(error)) == {"email"}


# -- who a reader is ------------------------------------------------------------------------


def reader_of(service, token: str) -> ppb.CaseReader:
    return service.client(token, caller="case-sync").call(
        "GetCaseReader", ppb.GetCaseReaderRequest()
    )


def test_a_progress_account_reads_its_own_follows(service):
    opened = open_account(service, "zhang@example.com")
    token = service.link_token(opened.activation_link_id)
    service.client().call(
        "SetPassword", pb.SetPasswordRequest(token=token, new_password=NEW_PASSWORD)
    )
    reader = reader_of(service, service.login(opened.account_id, NEW_PASSWORD).access_token)
    assert (list(reader.account_ids), reader.prosecutor_id) == ([opened.id], "")


def test_a_bound_portal_account_reads_the_progress_accounts_follows(service):
    firm = service.add_account("DEMOFIRM", roles=["member"], email="firm@example.com")
    progress = service.add_account("PROGRESS01", roles=["progress"], court_code="")
    member = service.client(service.login("DEMOFIRM").access_token)
    member.call(
        "BindAccount", bpb.BindAccountRequest(account_id="PROGRESS01", password="Firm1234!")
    )
    reader = reader_of(service, service.login("DEMOFIRM").access_token)
    assert list(reader.account_ids) == [firm.id, progress.id]


def test_a_prosecutor_is_known_by_their_identifier(service):
    prosecutor = service.add_account("PROS01", roles=["prosecutor"], court_code="")
    with service.kit.db.transaction() as session:
        row = session.get(Account, prosecutor.id)
        assert row is not None
        row.prosecutor_id = "P-7"
    reader = reader_of(service, service.login("PROS01").access_token)
    assert (list(reader.account_ids), reader.prosecutor_id) == ([prosecutor.id], "P-7")


def test_only_case_sync_forwards_a_reader(service):
    service.add_account("PROGRESS01", roles=["progress"], court_code="")
    token = service.login("PROGRESS01").access_token
    error = rpc_error(
        service.client(token, caller="gateway").call, "GetCaseReader", ppb.GetCaseReaderRequest()
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED

"""Professional registration over gRPC: applying, duplicates, the administrators' queue,
approval (account + activation link) or refusal with a reason, activation by the first
password, the applicant's own view, the audit log and the events."""

from __future__ import annotations

import json
from typing import Any

import grpc
import pytest
from sqlalchemy import func, select

from jes.identity.v1 import identity_pb2 as pb
from jes_grpckit import field_violations
from jes_identity.models import Account, PasswordToken, ProfessionalApplication

NEW_PASSWORD = "Lawyer12345!"


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


def form(**changes: Any) -> pb.ProfessionalApplicationForm:
    values: dict[str, Any] = {
        "kind": pb.PROFESSION_KIND_LAWYER,
        "account_id": "LAWCHEN01",
        "name": "陳律師",
        "gender": pb.GENDER_FEMALE,
        "national_id": "A223456781",
        "birth_date": "0611218",
        "licence_number": "(95)台檢證字第1234號",
        "association": "台北律師公會",
        "address": "臺北市中正區重慶南路一段124號",
        "phone": "02-2361-8577",
        "email": "chen@example.com",
    }
    values.update(changes)
    return pb.ProfessionalApplicationForm(**values)


def apply(service, **changes: Any) -> pb.ProfessionalApplication:
    return service.client().call(
        "ApplyProfessionalAccount", pb.ApplyProfessionalAccountRequest(form=form(**changes))
    )


def admin_token(service, login: str = "ADMIN") -> str:
    return service.issuer.issue(f"id-{login.lower()}", roles=["admin"], username=login)


def decide(service, application_id: str, approve: bool, reason: str = "", token: str = ""):
    return service.client(token or admin_token(service)).call(
        "DecideProfessionalApplication",
        pb.DecideProfessionalApplicationRequest(
            application_id=application_id, approve=approve, reason=reason
        ),
    )


def queue(service, status: int = 0, token: str = "") -> list[pb.ProfessionalApplication]:
    reply = service.client(token or admin_token(service)).call(
        "ListProfessionalApplications", pb.ListProfessionalApplicationsRequest(status=status)
    )
    return list(reply.applications)


def stored_count(service) -> int:
    with service.kit.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(ProfessionalApplication)) or 0


@pytest.fixture
def admin(service):
    service.add_account("ADMIN", roles=["admin"], court_code="")
    return service


# -- applying -------------------------------------------------------------------------------


def test_an_application_is_stored_as_submitted_with_an_event_without_the_id_number(service):
    application = apply(service)
    assert application.status == pb.PROFESSIONAL_APPLICATION_STATUS_SUBMITTED
    assert application.form.account_id == "LAWCHEN01"
    assert application.form.national_id == "A223456781"
    assert application.form.birth_date == "1972-12-18"
    [(envelope, event)] = service.events(pb.ProfessionalApplicationSubmitted)
    assert event.application.id == application.id
    assert event.application.kind == pb.PROFESSION_KIND_LAWYER
    assert event.application.email == "chen@example.com"
    assert b"A223456781" not in envelope.SerializeToString()


def test_bad_input_is_refused_field_by_field_and_stores_nothing(service):
    error = rpc_error(
        apply, service, national_id="A123456788", email="x", kind=pb.PROFESSION_KIND_UNSPECIFIED
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "聲請資料有誤，請修正後再送出"
    assert field_violations(error) == {
        "national_id": "身分證字號檢查碼錯誤，請確認是否輸入正確",
        "email": "電子郵件格式不正確",
        "kind": "請選擇聲請人身分別",
    }
    assert stored_count(service) == 0
    assert service.events(pb.ProfessionalApplicationSubmitted) == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"account_id": "OTHER01", "licence_number": "X-1"},
            "national_id",
            "此身分證字號已有聲請案或帳號（一人限申請一個帳號）",
        ),
        (
            {"account_id": "OTHER01", "national_id": "B123456780"},
            "licence_number",
            "此證書字號已有聲請案",
        ),
        (
            {"national_id": "B123456780", "licence_number": "X-1"},
            "account_id",
            "此帳號已有人使用，請換一個",
        ),
    ],
)
def test_duplicates_are_refused(service, changes, field, message):
    apply(service)
    error = rpc_error(apply, service, **changes)
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert field_violations(error) == {field: message}
    assert stored_count(service) == 1


def test_the_same_licence_number_of_another_profession_is_another_licence(service):
    apply(service)
    apply(
        service,
        kind=pb.PROFESSION_KIND_ACCOUNTANT,
        account_id="ACC01",
        national_id="B123456780",
        association="",
    )
    assert stored_count(service) == 2


def test_an_existing_accounts_login_name_cannot_be_asked_for(service):
    service.add_account("TPDCLERK", roles=["clerk"])
    error = rpc_error(apply, service, account_id="tpdclerk")
    assert field_violations(error) == {"account_id": "此帳號已有人使用，請換一個"}


def test_a_refused_applicant_may_apply_again(admin):
    first = apply(admin)
    decide(admin, first.id, approve=False, reason="證書字號與公會名冊不符")
    second = apply(admin)
    assert second.id != first.id
    assert second.status == pb.PROFESSIONAL_APPLICATION_STATUS_SUBMITTED


# -- the administrators' queue and decisions ------------------------------------------------


def test_only_administrators_see_the_queue_or_decide(admin):
    application = apply(admin)
    clerk = admin.clerk_token()
    for call in (
        lambda: queue(admin, token=clerk),
        lambda: decide(admin, application.id, True, token=clerk),
    ):
        error = rpc_error(call)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    anonymous = rpc_error(
        admin.client().call,
        "ListProfessionalApplications",
        pb.ListProfessionalApplicationsRequest(),
    )
    assert anonymous.code() == grpc.StatusCode.UNAUTHENTICATED
    assert [a.id for a in queue(admin)] == [application.id]


def test_the_queue_lists_by_status_oldest_first(admin):
    first = apply(admin)
    second = apply(admin, account_id="LAW02", national_id="B123456780", licence_number="2")
    decide(admin, second.id, approve=True)
    submitted = queue(admin, pb.PROFESSIONAL_APPLICATION_STATUS_SUBMITTED)
    assert [a.id for a in submitted] == [first.id]
    assert [a.id for a in queue(admin)] == [first.id, second.id]


def test_approval_creates_the_account_without_a_password_and_mails_a_link(admin):
    application = apply(admin)
    decided = decide(admin, application.id, approve=True)
    assert decided.status == pb.PROFESSIONAL_APPLICATION_STATUS_APPROVED
    assert decided.decided_by == "ADMIN"  # from the token, not a field
    with admin.kit.db.transaction() as session:
        account = session.scalar(select(Account).where(Account.account_id == "LAWCHEN01"))
        assert account is not None
        assert account.role_list == ["professional"]
        assert account.password_hash is None
        assert (account.display_name, account.email) == ("陳律師", "chen@example.com")
        [link] = session.scalars(select(PasswordToken)).all()
        assert (link.account_id, link.purpose) == (account.id, "activation")
    [(_, event)] = admin.events(pb.ProfessionalAccountApproved)
    assert event.set_password_link_id == link.id
    assert event.application.account_id == "LAWCHEN01"
    # the link the mail carries (the same mechanism as a firm's activation) sets the
    # password, and that completes the activation
    token = admin.link_token(event.set_password_link_id)
    reply = admin.client().call(
        "SetPassword", pb.SetPasswordRequest(token=token, new_password=NEW_PASSWORD)
    )
    assert reply.account_id == "LAWCHEN01"
    [activated] = queue(admin)
    assert activated.status == pb.PROFESSIONAL_APPLICATION_STATUS_ACTIVATED
    assert activated.activated_at.seconds > 0
    [activation] = [a for a in admin.audit() if a.action == "professional_application.activated"]
    assert (activation.actor_account_id, activation.actor_role) == ("LAWCHEN01", "professional")
    assert json.loads(activation.before_json)["status"] == "approved"
    login = admin.login("LAWCHEN01", NEW_PASSWORD)
    assert list(login.account.roles) == ["professional"]
    mine = admin.client(login.access_token).call("GetMyAccount", pb.GetMyAccountRequest())
    assert mine.account_id == "LAWCHEN01"


def test_approval_and_refusal_are_audited_with_who_decided(admin):
    approved = apply(admin)
    refused = apply(admin, account_id="LAW02", national_id="B123456780", licence_number="2")
    decide(admin, approved.id, approve=True)
    decide(admin, refused.id, approve=False, reason="證書已註銷")
    entries = {(e.action, e.subject_id): e for e in admin.audit()}
    approval = entries[("professional_application.approved", approved.id)]
    assert (approval.actor_account_id, approval.actor_role) == ("ADMIN", "admin")
    assert json.loads(approval.before_json)["status"] == "submitted"
    assert json.loads(approval.after_json)["status"] == "approved"
    assert "A223456781" not in approval.after_json
    created = entries[("account.created", "LAWCHEN01")]
    assert created.actor_account_id == "ADMIN"
    refusal = entries[("professional_application.refused", refused.id)]
    assert json.loads(refusal.after_json)["reason"] == "證書已註銷"
    assert refusal.actor_account_id == "ADMIN"


def test_a_refusal_needs_a_reason_and_mails_it(admin):
    application = apply(admin)
    error = rpc_error(decide, admin, application.id, False, "  ")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error) == {"reason": "請填寫駁回理由"}
    assert queue(admin)[0].status == pb.PROFESSIONAL_APPLICATION_STATUS_SUBMITTED
    refused = decide(admin, application.id, False, "證書已註銷")
    assert refused.refusal_reason == "證書已註銷"
    [(_, event)] = admin.events(pb.ProfessionalApplicationRefused)
    assert event.application.refusal_reason == "證書已註銷"


def test_the_same_decision_again_changes_nothing_and_the_other_is_refused(admin):
    application = apply(admin)
    decide(admin, application.id, approve=True)
    again = decide(admin, application.id, approve=True)
    assert again.status == pb.PROFESSIONAL_APPLICATION_STATUS_APPROVED
    assert len(admin.events(pb.ProfessionalAccountApproved)) == 1
    error = rpc_error(decide, admin, application.id, False, "改變主意")
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "此聲請已核准，不能再變更"
    approvals = [a for a in admin.audit() if a.action == "professional_application.approved"]
    assert len(approvals) == 1


def test_an_unknown_application_is_not_found(admin):
    error = rpc_error(decide, admin, "no-such-id", True)
    assert error.code() == grpc.StatusCode.NOT_FOUND


# -- the applicant's own view (to print the form again) --------------------------------------


def test_the_applicant_sees_the_application_with_the_national_id_on_it(service):
    application = apply(service)
    request = pb.GetProfessionalApplicationRequest(
        application_id=application.id, national_id="a223456781"
    )
    seen = service.client().call("GetProfessionalApplication", request)
    assert seen.form.name == "陳律師"
    for wrong in (
        pb.GetProfessionalApplicationRequest(application_id=application.id, national_id=""),
        pb.GetProfessionalApplicationRequest(
            application_id=application.id, national_id="B123456780"
        ),
        pb.GetProfessionalApplicationRequest(application_id="nope", national_id="A223456781"),
    ):
        error = rpc_error(service.client().call, "GetProfessionalApplication", wrong)
        assert error.code() == grpc.StatusCode.NOT_FOUND
        assert error.details() == "查無此聲請案，請確認聲請編號及身分證字號"
    by_admin = service.client(admin_token(service)).call(
        "GetProfessionalApplication",
        pb.GetProfessionalApplicationRequest(application_id=application.id),
    )
    assert by_admin.id == application.id


def test_approval_refuses_a_login_name_taken_since_and_changes_nothing(admin):
    application = apply(admin)
    admin.add_account("LAWCHEN01", roles=["firm"])  # e.g. registered another way meanwhile
    error = rpc_error(decide, admin, application.id, True)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert field_violations(error) == {"account_id": "此帳號已有人使用，請換一個"}
    [still] = queue(admin)
    assert still.status == pb.PROFESSIONAL_APPLICATION_STATUS_SUBMITTED
    assert admin.events(pb.ProfessionalAccountApproved) == []
    assert not [a for a in admin.audit() if a.action == "professional_application.approved"]


def test_the_database_stops_a_duplicate_the_check_did_not_see(service, monkeypatch):
    """Two applications with the same values at once: both pass the check before either
    is stored; the unique columns stop the second, which is told which values are taken."""
    from jes_identity.usecases import professionals

    apply(service)
    real_check = professionals.duplicate_problems
    calls = []

    def check_that_missed_it(session, form):
        calls.append(form)
        return {} if len(calls) == 1 else real_check(session, form)

    monkeypatch.setattr(professionals, "duplicate_problems", check_that_missed_it)
    error = rpc_error(apply, service, account_id="OTHER01")
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert field_violations(error) == {
        "national_id": "此身分證字號已有聲請案或帳號（一人限申請一個帳號）",
        "licence_number": "此證書字號已有聲請案",
    }
    assert stored_count(service) == 1
    assert len(service.events(pb.ProfessionalApplicationSubmitted)) == 1

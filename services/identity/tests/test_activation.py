"""A court's decision on a firm application, carried out by identity: the account, the
one-time set-password link, refusal, idempotency, the clerks' list, the audit log."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import timedelta

import grpc
import pytest
from sqlalchemy import select

from jes.identity.v1 import identity_pb2 as pb
from jes_auth import Claims, DecisionBinding, KeyStore, TokenIssuer
from jes_db import utcnow
from jes_grpckit import field_violations, refusal_reason
from jes_identity.models import Account, FirmApplication, LoginRecord, PasswordToken

NEW_PASSWORD = "Newpass123!"


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


def stored_account(service, account_id: str) -> Account | None:
    with service.kit.db.transaction() as session:
        return session.scalar(select(Account).where(Account.account_id == account_id))


def stored_links(service) -> list[PasswordToken]:
    with service.kit.db.transaction() as session:
        return list(session.scalars(select(PasswordToken).order_by(PasswordToken.created_at)))


def set_password(service, token: str, password: str = NEW_PASSWORD) -> pb.SetPasswordResponse:
    return service.client().call(
        "SetPassword", pb.SetPasswordRequest(token=token, new_password=password)
    )


@pytest.fixture
def clerk(service):
    service.add_account("TPDCLERK", roles=["clerk"], court_code="TPD")
    return service


def activate(service, **fields) -> tuple[pb.FirmApplication, pb.FirmAccountActivated]:
    application = service.apply(**fields)
    court = fields.get("court_code", "TPD")
    clerk = service.clerk_token(f"{court}CLERK", court)  # a clerk of the application's court
    decided = service.decide(application.id, approve=True, token=clerk)
    events = service.events(pb.FirmAccountActivated)
    [event] = [event for _, event in events if event.application.id == application.id]
    return decided, event


# -- activation -----------------------------------------------------------------------------


def test_activation_creates_the_firm_account_without_a_password(clerk):
    before = utcnow()
    decided, _ = activate(clerk)
    assert decided.status == pb.APPLICATION_STATUS_ACTIVATED
    assert decided.account_id == "TPDF0001"
    assert decided.decided_by == "TPDCLERK"
    assert decided.decided_at.ToDatetime().timestamp() >= before.timestamp() - 1
    assert decided.refusal_reason == ""
    account = stored_account(clerk, "TPDF0001")
    assert account is not None
    assert account.role_list == ["firm"]
    assert account.court_code == "TPD"
    assert account.display_name == "大華不動產估價師事務所"
    assert (account.email, account.phone, account.contact_person) == (
        "wang@example.com",
        "02-2345-6789",
        "王大明",
    )
    assert account.password_hash is None
    assert account.status == "active"


def test_activation_event_names_the_link_and_carries_no_token(clerk):
    decided, event = activate(clerk)
    assert event.account_id == "TPDF0001"
    assert event.application == decided
    [link] = stored_links(clerk)
    assert event.set_password_link_id == link.id
    assert "set_password_token" not in pb.FirmAccountActivated.DESCRIPTOR.fields_by_name
    # the token notification gets when it mails the link: only its hash is stored
    token = clerk.link_token(event.set_password_link_id)
    assert len(token) >= 43  # 32 random bytes, urlsafe base64
    [link] = stored_links(clerk)
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (link.token_hash, link.id)
    assert link.purpose == "activation"
    assert link.used_at is None
    lifetime = link.expires_at - link.created_at
    assert timedelta(hours=71, minutes=59) < lifetime <= timedelta(hours=72)
    assert event.token_expires_at.ToDatetime().timestamp() == pytest.approx(
        link.expires_at.timestamp(), abs=1
    )


def test_account_ids_count_up_per_court(clerk):
    assert activate(clerk)[0].account_id == "TPDF0001"
    assert activate(clerk, email="b@example.com")[0].account_id == "TPDF0002"
    assert activate(clerk, court_code="KLD")[0].account_id == "KLDF0001"


def test_account_ids_are_never_national_ids_and_follow_the_portal_rule(clerk):
    account_id = activate(clerk)[0].account_id
    assert account_id.isupper() and account_id.isalnum() and len(account_id) <= 20
    assert len(account_id) != 10  # a national ID is a letter and 9 digits


def test_activated_account_cannot_log_in_before_setting_its_password(clerk):
    activate(clerk)
    error = rpc_error(clerk.login, "TPDF0001", "Anything123")
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "請先使用啟用信中的連結設定密碼"
    assert ("TPDF0001", False) not in clerk.login_records()  # not a password guess


def test_set_password_link_works_once(clerk):
    _, event = activate(clerk)
    token = clerk.link_token(event.set_password_link_id)
    reply = set_password(clerk, token)
    assert reply.account_id == "TPDF0001"
    login = clerk.login("TPDF0001", NEW_PASSWORD)
    assert login.account.password_set
    assert login.account.roles == ["firm"]
    [link] = stored_links(clerk)
    assert link.used_at is not None

    again = rpc_error(set_password, clerk, token, "Other1234!")
    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert again.details() == "連結無效或已使用"
    assert clerk.login("TPDF0001", NEW_PASSWORD).access_token  # the password stayed


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 43])
def test_unknown_link_is_refused(clerk, token):
    error = rpc_error(set_password, clerk, token)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "連結無效或已使用"


def test_expired_link_is_refused(clerk):
    _, event = activate(clerk)
    token = clerk.link_token(event.set_password_link_id)
    with clerk.kit.db.transaction() as session:
        link = session.scalars(select(PasswordToken)).one()
        link.expires_at = utcnow() - timedelta(seconds=1)
    error = rpc_error(set_password, clerk, token)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details().startswith("連結已過期")
    assert not stored_account(clerk, "TPDF0001").password_set


def test_link_of_a_disabled_account_is_refused(clerk):
    _, event = activate(clerk)
    token = clerk.link_token(event.set_password_link_id)
    with clerk.kit.db.transaction() as session:
        session.scalar(select(Account).where(Account.account_id == "TPDF0001")).status = "disabled"
    assert rpc_error(set_password, clerk, token).details() == "連結無效或已使用"


@pytest.mark.parametrize("weak", ["short1A", "alllowercase1", "NoDigitsHere", "Bad pass 123"])
def test_weak_password_is_refused_and_the_link_stays_usable(clerk, weak):
    _, event = activate(clerk)
    token = clerk.link_token(event.set_password_link_id)
    error = rpc_error(set_password, clerk, token, weak)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(error)) == {"new_password"}
    assert "密碼" in field_violations(error)["new_password"]
    assert set_password(clerk, token).account_id == "TPDF0001"


def test_setting_the_password_is_audited_without_the_hash(clerk):
    _, event = activate(clerk)
    token = clerk.link_token(event.set_password_link_id)
    set_password(clerk, token)
    entry = clerk.audit()[-1]
    assert (entry.action, entry.subject_id) == ("account.password_set", "TPDF0001")
    assert (entry.actor_account_id, entry.actor_role) == ("TPDF0001", "firm")
    assert json.loads(entry.before_json)["password_set"] is False
    assert json.loads(entry.after_json)["password_set"] is True
    hashed = stored_account(clerk, "TPDF0001").password_hash
    assert hashed not in entry.after_json and "argon2" not in entry.after_json


def test_activation_is_audited(clerk):
    decided, _ = activate(clerk)
    entries = {entry.action: entry for entry in clerk.audit()}
    assert set(entries) == {"firm_application.activated", "account.created"}
    decision, created = entries["firm_application.activated"], entries["account.created"]
    assert (decision.subject_type, decision.subject_id) == ("firm_application", decided.id)
    assert (decision.actor_account_id, decision.actor_role) == ("TPDCLERK", "clerk")
    assert decision.court_code == "TPD"
    assert json.loads(decision.before_json) == {"status": "pending"}
    after = json.loads(decision.after_json)
    assert (after["status"], after["account_id"], after["decided_by"]) == (
        "activated",
        "TPDF0001",
        "TPDCLERK",
    )
    assert created.subject_id == "TPDF0001"
    assert json.loads(created.after_json)["email"] == "wang@example.com"


def test_decided_by_is_the_login_name_of_the_clerk_whose_token_it_is(clerk):
    """A token without a login name still names the clerk by account id: recorded by
    login name."""
    clerk_id = stored_account(clerk, "TPDCLERK").id
    application = clerk.apply()
    token = clerk.issuer.issue(clerk_id, roles=["clerk"], court_code="TPD")
    assert clerk.decide(application.id, True, token=token).decided_by == "TPDCLERK"


# -- refusal --------------------------------------------------------------------------------


def test_refusal_needs_a_reason(clerk):
    application = clerk.apply()
    error = rpc_error(clerk.decide, application.id, False, reason="  ")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error) == {"reason": "請填寫駁回理由"}
    assert clerk.events(pb.FirmApplicationRefused) == []
    with clerk.kit.db.transaction() as session:
        assert session.get(FirmApplication, application.id).status == "pending"


def test_refusal_is_recorded_announced_and_creates_no_account(clerk):
    application = clerk.apply()
    decided = clerk.decide(application.id, False, reason="未檢附估價師開業證明")
    assert decided.status == pb.APPLICATION_STATUS_REFUSED
    assert decided.refusal_reason == "未檢附估價師開業證明"
    assert decided.account_id == ""
    assert decided.decided_by == "TPDCLERK"
    [(envelope, event)] = clerk.events(pb.FirmApplicationRefused)
    assert envelope.subject == application.id
    assert event.application == decided
    assert stored_links(clerk) == []
    with clerk.kit.db.transaction() as session:
        assert session.scalars(select(Account).where(Account.roles == "firm")).all() == []
    [entry] = clerk.audit()
    assert entry.action == "firm_application.refused"
    assert json.loads(entry.after_json)["reason"] == "未檢附估價師開業證明"


# -- idempotency and conflicting decisions --------------------------------------------------


def test_approving_twice_returns_the_same_result_without_a_second_account_or_mail(clerk):
    application = clerk.apply()
    first = clerk.decide(application.id, True)
    second = clerk.decide(application.id, True, token=clerk.clerk_token("OTHERCLERK"))
    assert second == first
    assert len(clerk.events(pb.FirmAccountActivated)) == 1
    assert len(stored_links(clerk)) == 1
    assert stored_account(clerk, "TPDF0002") is None
    assert len(clerk.audit()) == 2  # the decision and the account, once


def test_refusing_twice_returns_the_same_result_without_a_second_mail(clerk):
    application = clerk.apply()
    first = clerk.decide(application.id, False, reason="資料不全")
    assert clerk.decide(application.id, False, reason="資料不全") == first
    assert len(clerk.events(pb.FirmApplicationRefused)) == 1


def test_refusing_an_activated_application_is_a_failed_precondition(clerk):
    application = clerk.apply()
    clerk.decide(application.id, True)
    error = rpc_error(clerk.decide, application.id, False, reason="改變心意")
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "此申請已啟用，不能再變更"
    assert clerk.events(pb.FirmApplicationRefused) == []


def test_activating_a_refused_application_is_a_failed_precondition(clerk):
    application = clerk.apply()
    clerk.decide(application.id, False, reason="資料不全")
    error = rpc_error(clerk.decide, application.id, True)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "此申請已駁回，不能再變更"
    assert clerk.events(pb.FirmAccountActivated) == []


def test_unknown_application_is_not_found(clerk):
    error = rpc_error(clerk.decide, "no-such-application", True)
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_decisions_come_through_review_workflow_only(clerk):
    """The gateway with a clerk's token, and the gateway without one, are refused: a
    decision is recorded by review-workflow, which forwards the clerk's token."""
    application = clerk.apply()
    token = clerk.login("TPDCLERK").access_token
    error = rpc_error(
        clerk.client(token).call,
        "DecideFirmApplication",
        pb.DecideFirmApplicationRequest(application_id=application.id, approve=True),
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert refusal_reason(error) == "CALLER_NOT_ALLOWED"
    no_token = rpc_error(
        clerk.client().call,
        "DecideFirmApplication",
        pb.DecideFirmApplicationRequest(application_id=application.id, approve=True),
    )
    assert no_token.code() == grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize("module", ["review-workflow", "notification"])
def test_no_service_decides_on_its_own(clerk, module):
    """Issue 9: a `notification` service token activated a firm account "decided by" a
    clerk of its choosing. A module without a clerk's decision grant cannot decide at all:
    review-workflow may call, but only with a grant; notification may not call."""
    application = clerk.apply()
    error = rpc_error(
        clerk.as_service(module).call,
        "DecideFirmApplication",
        pb.DecideFirmApplicationRequest(application_id=application.id, approve=True),
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    if module == "review-workflow":
        assert error.details() == "權限不足：缺少審核決定的授權"
    else:
        assert refusal_reason(error) == "CALLER_NOT_ALLOWED"
    assert stored_account(clerk, "TPDF0001") is None
    assert clerk.events(pb.FirmAccountActivated) == []


# -- decision grants -----------------------------------------------------------------------


def nothing_decided(clerk, application) -> None:
    assert stored_account(clerk, "TPDF0001") is None
    assert clerk.events(pb.FirmAccountActivated) == []
    assert clerk.events(pb.FirmApplicationRefused) == []
    assert clerk.audit() == []


def test_who_decided_is_the_grants_clerk_however_late_it_is_carried_out(clerk):
    """The grant is issued from the clerk's verified token and outlives it (the decision
    worker may carry a decision out long after the clerk's 15-minute token expired)."""
    application = clerk.apply()
    grant = clerk.grant(
        application.id, True, token=clerk.clerk_token("TPDCLERK", ttl=timedelta(seconds=1))
    )
    claims = clerk.verifier().verify_decision_grant(grant)
    assert claims.decider.display_id == "TPDCLERK" and claims.decider.court_code == "TPD"
    assert claims.actor == "review-workflow"
    assert claims.decider.expires_at - time.time() > 29 * 24 * 3600
    time.sleep(1.5)  # the clerk's token has expired; the grant has not
    assert clerk.decide_with(application.id, True, grant).decided_by == "TPDCLERK"


@pytest.mark.parametrize(
    "other",
    [
        {"approve": False},  # the other decision
        {"application": "other"},  # another application
        {"decision_id": "decision-of-another-time"},
    ],
)
def test_a_grant_for_another_decision_is_refused(clerk, other):
    application = clerk.apply()
    another = clerk.apply(company_name="另一家估價師事務所")
    target = another.id if other.get("application") else application.id
    grant = clerk.grant(
        target,
        bool(other.get("approve", True)),
        decision_id=other.get("decision_id", f"decision-{target}"),
    )
    error = rpc_error(clerk.decide_with, application.id, True, grant)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error.details() == "權限不足：審核決定的授權不是這項決定的"
    nothing_decided(clerk, application)


def test_a_grant_for_another_court_is_refused(clerk):
    """An admin's grant names the court it is for; it does not carry over to another."""
    application = clerk.apply(court_code="KSD")
    admin = clerk.clerk_token("ADMIN", "", roles=["admin"])
    grant = clerk.grant(application.id, True, token=admin, court_code="TPD")
    error = rpc_error(clerk.decide_with, application.id, True, grant)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error.details() == "權限不足：審核決定的授權不屬於此案件的法院"
    nothing_decided(clerk, application)


def test_a_clerk_gets_no_grant_for_another_court(clerk):
    application = clerk.apply(court_code="KSD")
    error = rpc_error(clerk.grant, application.id, True, court_code="KSD")
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


def test_a_grant_signed_elsewhere_is_unauthenticated(clerk, tmp_path):
    application = clerk.apply()
    forged = TokenIssuer(KeyStore(tmp_path / "forger")).issue_decision_grant(
        Claims("id-tpdclerk", "user", frozenset({"clerk"}), "TPD", username="TPDCLERK"),
        DecisionBinding(
            "firm_application", application.id, "", "approve", f"decision-{application.id}", "TPD"
        ),
        actor="review-workflow",
    )
    error = rpc_error(clerk.decide_with, application.id, True, forged)
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error.details() == "審核決定的授權無效或已逾期"
    nothing_decided(clerk, application)


def test_a_clerks_access_token_is_no_grant(clerk):
    application = clerk.apply()
    error = rpc_error(clerk.decide_with, application.id, True, clerk.clerk_token())
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    nothing_decided(clerk, application)


def test_a_grant_is_no_access_token(clerk):
    application = clerk.apply()
    grant = clerk.grant(application.id, True)
    for caller in ("gateway", "review-workflow"):
        error = rpc_error(
            clerk.client(grant, caller=caller).call, "GetMyAccount", pb.GetMyAccountRequest()
        )
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    error = rpc_error(clerk.grant, application.id, True, token=grant)
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


def test_grants_are_asked_for_through_review_workflow_by_reviewers_only(clerk):
    application = clerk.apply()
    binding = pb.DecisionBinding(
        kind="firm_application",
        target_id=application.id,
        decision="approve",
        decision_id="d-1",
        court_code="TPD",
    )
    request = pb.IssueDecisionGrantRequest(binding=binding)
    by_gateway = rpc_error(clerk.client(clerk.clerk_token()).call, "IssueDecisionGrant", request)
    assert refusal_reason(by_gateway) == "CALLER_NOT_ALLOWED"
    alone = rpc_error(clerk.as_service("review-workflow").call, "IssueDecisionGrant", request)
    assert refusal_reason(alone) == "LOGIN_REQUIRED"
    firm = clerk.issuer.issue("id-firm", roles=["firm"], court_code="TPD", username="TPDF0009")
    as_firm = rpc_error(
        clerk.client(firm, caller="review-workflow").call, "IssueDecisionGrant", request
    )
    assert as_firm.code() == grpc.StatusCode.PERMISSION_DENIED
    incomplete = rpc_error(
        clerk.client(clerk.clerk_token(), caller="review-workflow").call,
        "IssueDecisionGrant",
        pb.IssueDecisionGrantRequest(binding=pb.DecisionBinding(kind="firm_application")),
    )
    assert incomplete.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_a_clerk_of_another_court_cannot_decide(clerk):
    application = clerk.apply(court_code="KSD")
    error = rpc_error(clerk.decide, application.id, True)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert clerk.events(pb.FirmAccountActivated) == []
    kaohsiung = clerk.decide(application.id, True, token=clerk.clerk_token("KSDCLERK", "KSD"))
    assert kaohsiung.decided_by == "KSDCLERK"


# -- a new password clears the failures' wait ---------------------------------------------------


def test_setting_the_password_clears_the_wait_but_keeps_the_records(clerk):
    _, event = activate(clerk)
    token = clerk.link_token(event.set_password_link_id)
    set_password(clerk, token)
    with clerk.kit.db.transaction() as session:
        for _ in range(5):
            session.add(LoginRecord(account_id="TPDF0001", success=False, at=utcnow()))
    assert rpc_error(clerk.login, "TPDF0001", NEW_PASSWORD).code() == (
        grpc.StatusCode.RESOURCE_EXHAUSTED
    )
    clerk.client().call(
        "RequestPasswordReset",
        pb.RequestPasswordResetRequest(account_id="TPDF0001", email="wang@example.com"),
    )
    [(_, reset)] = clerk.events(pb.PasswordResetRequested)
    set_password(clerk, clerk.link_token(reset.link_id), "Fresh1234!")
    assert clerk.login("TPDF0001", "Fresh1234!").access_token
    # the 5 failures and the attempt refused while waiting stay for the owner to see
    assert clerk.login_records().count(("TPDF0001", False)) == 6


# -- ListFirmApplications -------------------------------------------------------------------


@pytest.fixture
def applications(clerk):
    tpd_pending = clerk.apply(company_name="臺北甲")
    tpd_refused = clerk.apply(company_name="臺北乙")
    clerk.decide(tpd_refused.id, False, reason="資料不全")
    kld_pending = clerk.apply(court_code="KLD", company_name="基隆甲")
    return {"tpd_pending": tpd_pending.id, "tpd_refused": tpd_refused.id, "kld": kld_pending.id}


def list_applications(service, token, court_code="", status=pb.APPLICATION_STATUS_UNSPECIFIED):
    reply = service.client(token).call(
        "ListFirmApplications",
        pb.ListFirmApplicationsRequest(court_code=court_code, status=status),
    )
    return [a.company_name for a in reply.applications]


def test_clerk_lists_own_court_when_asking_for_no_court(clerk, applications):
    token = clerk.login("TPDCLERK").access_token
    assert list_applications(clerk, token) == ["臺北甲", "臺北乙"]
    assert list_applications(clerk, token, "TPD") == ["臺北甲", "臺北乙"]


def test_status_filter(clerk, applications):
    token = clerk.login("TPDCLERK").access_token
    assert list_applications(clerk, token, status=pb.APPLICATION_STATUS_PENDING) == ["臺北甲"]
    assert list_applications(clerk, token, status=pb.APPLICATION_STATUS_REFUSED) == ["臺北乙"]
    assert list_applications(clerk, token, status=pb.APPLICATION_STATUS_ACTIVATED) == []


def test_listed_applications_carry_the_decision(clerk, applications):
    token = clerk.login("TPDCLERK").access_token
    reply = clerk.client(token).call(
        "ListFirmApplications",
        pb.ListFirmApplicationsRequest(status=pb.APPLICATION_STATUS_REFUSED),
    )
    [refused] = reply.applications
    assert (refused.refusal_reason, refused.decided_by) == ("資料不全", "TPDCLERK")
    assert refused.decided_at.seconds > 0


def test_clerk_of_another_court_is_refused(clerk, applications):
    token = clerk.login("TPDCLERK").access_token
    error = rpc_error(list_applications, clerk, token, "KLD")
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


def test_admin_lists_every_court_or_one(clerk, applications):
    token = clerk.issuer.issue("root", roles=["admin"], court_code="TPD")
    assert list_applications(clerk, token) == ["臺北甲", "臺北乙", "基隆甲"]
    assert list_applications(clerk, token, "KLD") == ["基隆甲"]


def test_firms_cannot_list_applications(clerk, applications):
    token = clerk.issuer.issue("firm", roles=["firm"], court_code="TPD")
    assert rpc_error(list_applications, clerk, token).code() == grpc.StatusCode.PERMISSION_DENIED


def test_listing_applications_needs_a_token(clerk, applications):
    assert rpc_error(list_applications, clerk, None).code() == grpc.StatusCode.UNAUTHENTICATED

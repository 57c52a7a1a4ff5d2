"""Follow applications approved by the court (its system, or a clerk of that court): the
first approval for an e-mail opens a case-progress account (activation link in the
event), later ones only notify; approving again changes nothing; revocation; followers.
Identity's answers come from the stand-in of conftest (the all-in-one tests use the real
identity)."""

from __future__ import annotations

import grpc
import pytest

from jes.case_sync.v1 import case_events_pb2 as events
from jes.case_sync.v1 import case_sync_pb2 as pb
from jes.case_sync.v1 import cases_pb2
from jes_case_sync.models import audit_log
from jes_grpckit import field_violations


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


def approve(service, case, email, client=None, **fields) -> cases_pb2.Follow:
    request = pb.ApproveFollowRequest(
        case=case, email=email, role=cases_pb2.FOLLOWER_ROLE_PARTY, **fields
    )
    return (client or service.court_system()).call("ApproveFollow", request)


def test_the_first_approval_opens_an_account_with_an_activation_link(service):
    case = service.case()
    follow = approve(
        service, case, " Zhang@Example.com ", applicant_name="張三", application_id="A-1"
    )
    assert follow.account_opened and follow.status == cases_pb2.FOLLOW_STATUS_ACTIVE
    assert follow.account_username == "P0000000001"
    assert (follow.email, follow.approved_by) == ("zhang@example.com", "court-system:TPD")
    [(envelope, event)] = service.events(events.FollowApproved)
    assert envelope.subject == follow.case_id
    assert (event.follow_id, event.email, event.account_id) == (
        follow.follow_id,
        "zhang@example.com",
        "acct-1",
    )
    assert (event.activation_link_id, event.account_username, event.applicant_name) == (
        "link-1",
        "P0000000001",
        "張三",
    )
    [(email, name, reason)] = service.identity.opened_for
    assert (email, name) == ("zhang@example.com", "張三")
    assert "TPD" in reason and "113.訴." in reason


def test_a_later_approval_for_an_activated_account_only_notifies(service):
    approve(service, service.case(), "zhang@example.com")
    service.identity.activate("zhang@example.com")
    second = approve(service, service.case(), "zhang@example.com")
    assert not second.account_opened
    first_event, second_event = [e for _, e in service.events(events.FollowApproved)]
    assert first_event.activation_link_id == "link-1"
    assert second_event.activation_link_id == ""  # the notice, not an activation mail
    assert second_event.account_id == first_event.account_id


def test_an_approval_before_activation_sends_the_activation_link_again(service):
    approve(service, service.case(), "zhang@example.com")
    approve(service, service.case(), "zhang@example.com")
    links = [e.activation_link_id for _, e in service.events(events.FollowApproved)]
    assert links == ["link-1", "link-1"]


def test_approving_the_same_follow_again_changes_nothing(service):
    case = service.case()
    first = approve(service, case, "zhang@example.com")
    again = approve(service, case, "ZHANG@example.com")
    assert again.follow_id == first.follow_id and not again.account_opened
    assert len(service.events(events.FollowApproved)) == 1
    assert len(service.identity.opened_for) == 1  # identity not even asked again


def test_identity_away_changes_nothing(service):
    service.identity.down = True
    error = rpc_error(approve, service, service.case(), "zhang@example.com")
    assert error.code() in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNAVAILABLE)
    assert service.events(events.FollowApproved) == []


def test_a_clerk_approves_for_their_own_court_only(service):
    clerk = service.person("clerk-1", "clerk", court_code="TPD")
    follow = approve(service, service.case(), "chen@example.com", client=clerk)
    assert follow.approved_by == "clerk-1"
    other = service.person("clerk-2", "clerk", court_code="KLD")
    error = rpc_error(approve, service, service.case(), "chen@example.com", client=other)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert len(service.events(events.FollowApproved)) == 1


def test_an_approval_is_audited(service):
    follow = approve(service, service.case(), "zhang@example.com")
    with service.kit.db.transaction() as session:
        [record] = audit_log.entries(session, subject_ids=[follow.follow_id])
    assert (record.action, record.actor_account_id, record.court_code) == (
        "follow_approved",
        "court-system:TPD",
        "TPD",
    )


def test_approval_validation_names_every_field(service):
    request = pb.ApproveFollowRequest(
        case=service.case(word="ABC"), email="bad", role=0, applicant_name="名" * 51
    )
    error = rpc_error(service.court_system().call, "ApproveFollow", request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(error)) == {"case.number", "email", "role", "applicant_name"}
    assert service.identity.opened_for == []


# -- revocation and the followers' list -----------------------------------------------------


def revoke(service, case, email, client=None):
    request = pb.RevokeFollowRequest(case=case, email=email, reason="非當事人")
    return (client or service.court_system()).call("RevokeFollow", request)


def test_a_revoked_follow_gets_no_more_notices(service):
    case = service.case()
    approve(service, case, "zhang@example.com")
    approve(service, case, "chen@example.com")
    revoked = revoke(service, case, "zhang@example.com")
    again = revoke(service, case, "zhang@example.com")
    assert revoked.status == again.status == cases_pb2.FOLLOW_STATUS_REVOKED
    assert len(service.events(events.FollowRevoked)) == 1
    service.push(case, service.entry())
    [(_, event, _)] = service.added()
    assert [f.email for f in event.followers] == ["chen@example.com"]


def test_approving_a_revoked_follow_again_restores_it(service):
    case = service.case()
    approve(service, case, "zhang@example.com")
    revoke(service, case, "zhang@example.com")
    restored = approve(service, case, "zhang@example.com")
    assert restored.status == cases_pb2.FOLLOW_STATUS_ACTIVE
    assert len(service.events(events.FollowApproved)) == 2


def test_revoking_an_unknown_follow_is_not_found(service):
    error = rpc_error(revoke, service, service.case(), "nobody@example.com")
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_followers_are_listed_for_the_court_with_their_status(service):
    case = service.case()
    approve(service, case, "zhang@example.com")
    approve(service, case, "chen@example.com")
    revoke(service, case, "chen@example.com")
    for client in (service.court_system(), service.person("c", "clerk", court_code="TPD")):
        reply = client.call("ListFollowers", pb.ListFollowersRequest(case=case))
        assert [(f.email, f.status) for f in reply.followers] == [
            ("zhang@example.com", cases_pb2.FOLLOW_STATUS_ACTIVE),
            ("chen@example.com", cases_pb2.FOLLOW_STATUS_REVOKED),
        ]
    other = service.person("k", "clerk", court_code="KLD")
    error = rpc_error(other.call, "ListFollowers", pb.ListFollowersRequest(case=case))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


def test_followers_of_an_unknown_case_is_not_found(service):
    error = rpc_error(
        service.court_system().call, "ListFollowers", pb.ListFollowersRequest(case=service.case())
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND

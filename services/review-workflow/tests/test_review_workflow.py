"""A printed photo set becomes a pending submission; clerks list their court's submissions."""

from __future__ import annotations

import grpc
import pytest

from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes_events import dead_letter_topic
from jes_review_workflow.servicer import PhotoSetSubmittedHandler
from jes_servicekit import topic_of


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


def dead_letters(service) -> list:
    probe = service.kit.bus.consumer("probe", [dead_letter_topic(topic_of("photo-storage"))])
    try:
        return probe.poll(0.1, 100)
    finally:
        probe.close()


# -- PhotoSetSubmitted ----------------------------------------------------------------------


def test_submitted_photo_set_becomes_a_pending_submission(service):
    envelope = service.submitted(number=999, trace_id="trace-1")
    with service.kit.db.transaction() as session:
        PhotoSetSubmittedHandler(service.kit.outbox)(session, envelope)

    [submission] = service.submissions()
    assert submission.state == "pending"
    assert submission.case_number == "107年度司執字第999號"
    assert submission.court_code == "TPD"
    assert submission.photo_set_id == envelope.subject

    [(out, event)] = service.events(pb.ReviewRequested)
    assert out.subject == submission.id
    assert out.source == "review-workflow"
    assert out.trace_id == "trace-1"
    assert event.submission.id == submission.id
    assert event.submission.state == "pending"
    assert event.submission.case_number == "107年度司執字第999號"
    assert event.submission.court_code == "TPD"
    assert event.submission.photo_set_id == envelope.subject
    assert event.submission.report_id == submission.report_id
    assert event.submission.fingerprint == submission.fingerprint
    assert event.submission.submitted_at.seconds > 0


def test_events_from_the_bus_are_handled_by_the_built_service(service):
    first, second = service.submitted(), service.submitted(court_code="KLD")
    service.publish(first, second)
    assert service.consume() == 2
    assert [s.court_code for s in service.submissions()] == ["TPD", "KLD"]
    assert len(service.events(pb.ReviewRequested)) == 2


def test_the_same_event_delivered_twice_is_one_submission(service):
    envelope = service.submitted()
    service.publish(envelope, envelope)
    service.consume()
    assert len(service.submissions()) == 1
    assert len(service.events(pb.ReviewRequested)) == 1


def test_reprinting_an_unchanged_set_adds_no_second_submission(service):
    """Two prints of one version share a fingerprint; the second is not a new review."""
    photo_set_id = "set-1"
    first = service.submitted(photo_set_id=photo_set_id, fingerprint="f" * 64, number=5)
    again = service.submitted(photo_set_id=photo_set_id, fingerprint="f" * 64, number=5)
    service.publish(first, again)
    service.consume()
    assert len(service.submissions()) == 1
    assert len(service.events(pb.ReviewRequested)) == 1
    assert dead_letters(service) == []


def test_a_new_version_of_the_set_is_a_new_submission(service):
    first = service.submitted(photo_set_id="set-1", fingerprint="a" * 64, number=5)
    changed = service.submitted(photo_set_id="set-1", fingerprint="b" * 64, number=5)
    service.publish(first, changed)
    service.consume()
    assert [s.fingerprint for s in service.submissions()] == ["a" * 64, "b" * 64]


# -- ListSubmissions ------------------------------------------------------------------------


@pytest.fixture
def three_submissions(service):
    service.publish(
        service.submitted(court_code="TPD", number=1),
        service.submitted(court_code="KLD", number=2),
        service.submitted(court_code="TPD", number=3),
    )
    service.consume()
    return service


def listed(client, court_code: str, state: str = "") -> list[str]:
    reply = client.call(
        "ListSubmissions", pb.ListSubmissionsRequest(court_code=court_code, state=state)
    )
    return [s.case_number for s in reply.submissions]


def test_clerk_lists_own_courts_submissions_oldest_first(three_submissions):
    service = three_submissions
    assert listed(service.clerk("TPD"), "TPD") == ["107年度司執字第1號", "107年度司執字第3號"]
    assert listed(service.clerk("KLD"), "KLD") == ["107年度司執字第2號"]


def test_clerk_of_tpd_cannot_list_kld(three_submissions):
    error = rpc_error(listed, three_submissions.clerk("TPD"), "KLD")
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


def test_state_filter(three_submissions):
    service = three_submissions
    assert len(listed(service.clerk("TPD"), "TPD", state="pending")) == 2
    assert listed(service.clerk("TPD"), "TPD", state="approved") == []


def test_admin_and_services_list_any_court(three_submissions):
    service = three_submissions
    admin = service.client(service.issuer.issue("root", roles=["admin"], court_code="TPD"))
    assert listed(admin, "KLD") == ["107年度司執字第2號"]
    gateway = service.client(service.issuer.issue("gateway", kind="service"))
    assert len(listed(gateway, "TPD")) == 2


def test_firms_cannot_list_submissions(three_submissions):
    service = three_submissions
    firm = service.client(service.issuer.issue("f", roles=["firm"], court_code="TPD"))
    assert rpc_error(listed, firm, "TPD").code() == grpc.StatusCode.PERMISSION_DENIED


def test_listing_needs_a_token(three_submissions):
    error = rpc_error(listed, three_submissions.client(None), "TPD")
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED

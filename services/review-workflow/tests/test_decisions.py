"""Decisions carried out by the real owning services: photo-storage applies the court's
decision on a print, identity activates or refuses a firm's application. Review-workflow
records each decision with its audit entry, and announces submission decisions."""

from __future__ import annotations

import json
from datetime import timedelta

import grpc
import pytest

from jes.identity.v1 import identity_pb2, identity_pb2_grpc
from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb
from jes.photo_storage.v1 import photo_storage_pb2_grpc as photo_grpc
from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes_db import utcnow
from jes_identity.grpc_api import IdentityServicer
from jes_photo_storage.grpc_api import PhotoStorageServicer
from jes_review_workflow.domain.submissions import decision_id_of


def later(seconds: float = 3600):
    return utcnow() + timedelta(seconds=seconds)


def implemented(servicer: type, base: type, method: str) -> bool:
    return getattr(servicer, method) is not getattr(base, method)


# Built at the same time as the owning services; these tests run once those RPCs exist.
needs_apply_review_decision = pytest.mark.skipif(
    not implemented(
        PhotoStorageServicer, photo_grpc.PhotoStorageServiceServicer, "ApplyReviewDecision"
    ),
    reason="waits for photo-storage's ApplyReviewDecision",
)
needs_decide_firm_application = pytest.mark.skipif(
    not implemented(
        IdentityServicer, identity_pb2_grpc.IdentityServiceServicer, "DecideFirmApplication"
    ),
    reason="waits for identity's DecideFirmApplication",
)


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


def decide(client, submission_id: str, approve: bool, reasons=(), note: str = ""):
    return client.call(
        "DecideSubmission",
        pb.DecideSubmissionRequest(
            submission_id=submission_id, approve=approve, reasons=list(reasons), note=note
        ),
    )


@pytest.fixture
def submitted(platform):
    """A printed TPD set and its pending submission."""
    photo_set, printed = platform.printed_set("TPD", photos=2)
    platform.deliver()
    return photo_set, printed, platform.submission_of(photo_set.id)


# -- submissions ----------------------------------------------------------------------------


@needs_apply_review_decision
def test_a_print_becomes_a_submission_with_what_the_reviewer_needs(platform, submitted):
    photo_set, printed, submission = submitted
    assert submission.state == "pending"
    assert submission.court_code == "TPD"
    assert submission.case_number == photo_set.case_number_text
    assert (submission.division, submission.batch) == ("甲", 1)
    assert submission.fingerprint == printed.fingerprint
    assert submission.report_id == printed.report_id
    assert submission.pages == printed.pages
    assert submission.set_version == printed.photo_set.version
    assert (submission.firm_account_id, submission.firm_name) == ("TPDF001", "大華估價")


@needs_apply_review_decision
def test_approval_locks_the_set_and_is_logged_and_announced(platform, submitted):
    photo_set, _, submission = submitted
    clerk = platform.review.clerk("TPD", "TPDCLERK")
    decided = decide(clerk, submission.id, approve=True, note="  照片完整  ")

    assert decided.state == "approved"
    assert decided.decided_by == "TPDCLERK"
    assert decided.decided_at.seconds > 0
    assert decided.note == "照片完整"
    assert platform.photo_set(photo_set.id).status == photo_pb.PHOTO_SET_STATUS_APPROVED
    got = clerk.call("GetSubmission", pb.GetSubmissionRequest(submission_id=submission.id))
    assert got == decided

    [entry] = platform.review.audit()
    assert (entry.actor_account_id, entry.actor_role) == ("TPDCLERK", "clerk")
    assert (entry.action, entry.subject_type, entry.subject_id, entry.court_code) == (
        "submission.approved",
        "submission",
        submission.id,
        "TPD",
    )
    before, after = json.loads(entry.before_json), json.loads(entry.after_json)
    assert (before["state"], before["decided_by"]) == ("pending", "")
    assert (after["state"], after["decided_by"], after["note"]) == (
        "approved",
        "TPDCLERK",
        "照片完整",
    )
    assert after["fingerprint"] == submission.fingerprint

    [(envelope, event)] = platform.review.events(pb.ReviewDecided)
    assert envelope.subject == submission.id
    assert event.submission == decided


@needs_apply_review_decision
def test_rejection_gives_the_firm_a_reason_per_photo(platform, submitted):
    photo_set, _, submission = submitted
    first, second = platform.photo_set(photo_set.id).photos
    reasons = [
        pb.PhotoReason(photo_id=first.id, sequence=1, reason_code="blurry", text="請重新拍攝"),
        pb.PhotoReason(photo_id=second.id, sequence=2, reason_code="other", text="門牌被遮住"),
    ]
    clerk = platform.review.clerk("TPD", "TPDCLERK")
    decided = decide(clerk, submission.id, approve=False, reasons=reasons, note="請補正")

    assert decided.state == "rejected"
    assert decided.note == "請補正"
    assert [(r.sequence, r.reason_code, r.label, r.text) for r in decided.reasons] == [
        (1, "blurry", "照片模糊不清", "請重新拍攝"),
        (2, "other", "其他", "門牌被遮住"),
    ]
    rejected = platform.photo_set(photo_set.id)
    assert rejected.status == photo_pb.PHOTO_SET_STATUS_REJECTED
    assert rejected.review_note == "請補正"
    assert {p.id: p.rejection_reason for p in rejected.photos} == {
        first.id: "照片模糊不清：請重新拍攝",
        second.id: "其他：門牌被遮住",
    }
    [entry] = platform.review.audit()
    assert entry.action == "submission.rejected"
    assert json.loads(entry.after_json)["reasons"][0] == {
        "photo_id": first.id,
        "sequence": 1,
        "reason_code": "blurry",
        "label": "照片模糊不清",
        "text": "請重新拍攝",
    }
    [(_, event)] = platform.review.events(pb.ReviewDecided)
    assert event.submission.state == "rejected"
    assert len(event.submission.reasons) == 2

    # The firm prints again: a new submission that names the rejected print.
    platform.firm().call(
        "PrintPhotoSet",
        photo_pb.PrintPhotoSetRequest(photo_set_id=photo_set.id, expected_version=0),
    )
    platform.deliver()
    reprint = platform.submission_of(photo_set.id)
    assert reprint.id != submission.id
    assert reprint.previous_rejected_fingerprint == submission.fingerprint


@needs_apply_review_decision
def test_a_second_decision_is_refused(platform, submitted):
    photo_set, _, submission = submitted
    clerk = platform.review.clerk("TPD", "TPDCLERK")
    decide(clerk, submission.id, approve=True)
    first = platform.photo_set(photo_set.id)
    photo = first.photos[0]
    again = [pb.PhotoReason(photo_id=photo.id, sequence=1, reason_code="dark")]
    for approve, reasons in ((True, []), (False, again)):
        error = rpc_error(decide, clerk, submission.id, approve, reasons)
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert error.details() == "此案件已審核或已撤回"
    assert platform.photo_set(photo_set.id).status == photo_pb.PHOTO_SET_STATUS_APPROVED
    assert len(platform.review.audit()) == 1
    assert len(platform.review.events(pb.ReviewDecided)) == 1


@needs_apply_review_decision
def test_a_clerk_of_another_court_cannot_decide(platform, submitted):
    photo_set, _, submission = submitted
    error = rpc_error(decide, platform.review.clerk("KLD", "KLDCLERK"), submission.id, True)
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert platform.photo_set(photo_set.id).status == photo_pb.PHOTO_SET_STATUS_SUBMITTED
    assert platform.review.audit() == []


@needs_apply_review_decision
def test_a_set_changed_after_printing_cannot_be_decided(platform, submitted):
    photo_set, _, submission = submitted
    current = platform.photo_set(photo_set.id)
    platform.firm().call(
        "UpdatePhoto",
        photo_pb.UpdatePhotoRequest(
            photo_id=current.photos[0].id,
            expected_version=current.version,
            sequence=1,
            placement=photo_pb.PLACEMENT_OUTDOOR,
            description="改過的說明",
        ),
    )
    # The clerk acts before the change reaches review-workflow: photo-storage refuses, and
    # the decision ends "not_applied" with photo-storage's reason (not left pending).
    clerk = platform.review.clerk("TPD", "TPDCLERK")
    error = rpc_error(decide, clerk, submission.id, approve=True)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "廠商已於列印後修改此案件，請待重新列印後再審"
    got = clerk.call("GetSubmission", pb.GetSubmissionRequest(submission_id=submission.id))
    assert (got.state, got.decided_by, got.not_applied_reason) == (
        "not_applied",
        "TPDCLERK",
        "廠商已於列印後修改此案件，請待重新列印後再審",
    )
    assert [e.action for e in platform.review.audit()] == ["submission.not_applied"]
    assert platform.review.events(pb.ReviewDecided) == []
    assert platform.photo_set(photo_set.id).status == photo_pb.PHOTO_SET_STATUS_CHANGED_SINCE_PRINT

    # Then the change arrives: the submission is withdrawn (the reason stays).
    platform.deliver()
    got = clerk.call("GetSubmission", pb.GetSubmissionRequest(submission_id=submission.id))
    assert (got.state, got.not_applied_reason) == (
        "withdrawn",
        "廠商已於列印後修改此案件，請待重新列印後再審",
    )
    assert [e.action for e in platform.review.audit()] == [
        "submission.not_applied",
        "submission.withdrawn",
    ]
    error = rpc_error(decide, clerk, submission.id, approve=True)
    assert error.details() == "此案件已審核或已撤回"


@needs_apply_review_decision
def test_photo_storage_is_sent_one_decision_id_per_submission(platform, submitted):
    """The id photo-storage keeps the decision under is derived from the submission."""
    _, _, submission = submitted
    decide(platform.review.clerk("TPD", "TPDCLERK"), submission.id, approve=True)
    from jes_photo_storage.models import AppliedDecision

    with platform.photos.db.transaction() as session:
        [applied] = session.query(AppliedDecision).all()
        assert applied.decision_id == decision_id_of(submission.id)


# -- firm applications ----------------------------------------------------------------------


def decide_application(client, application_id: str, approve: bool, reason: str = ""):
    return client.call(
        "DecideFirmApplication",
        pb.DecideFirmApplicationRequest(
            application_id=application_id, approve=approve, reason=reason
        ),
    )


@needs_decide_firm_application
def test_clerk_activates_an_application_of_the_own_court(platform):
    application = platform.identity.apply("TPD", "大華估價")
    clerk = platform.review.clerk("TPD", "TPDCLERK")
    decision = decide_application(clerk, application.id, approve=True)

    assert decision.application_id == application.id
    assert (decision.court_code, decision.approved, decision.reason) == ("TPD", True, "")
    assert decision.decided_by == "TPDCLERK"
    assert decision.decided_at.seconds > 0
    assert decision.state == "applied"
    activated = platform.identity.application(application.id)
    assert activated.status == identity_pb2.APPLICATION_STATUS_ACTIVATED
    assert decision.account_id and decision.account_id == activated.account_id

    [entry] = platform.review.audit()
    assert (entry.action, entry.subject_type, entry.subject_id, entry.court_code) == (
        "firm_application.activated",
        "firm_application",
        application.id,
        "TPD",
    )
    assert json.loads(entry.before_json)["status"] == "pending"
    after = json.loads(entry.after_json)
    assert (after["status"], after["account_id"]) == ("activated", decision.account_id)

    # The same decision again is answered with the recorded one; another is refused.
    assert decide_application(clerk, application.id, approve=True) == decision
    error = rpc_error(decide_application, clerk, application.id, False, "資料不符")
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "此申請已有不同的決定，不能再變更"
    assert len(platform.review.audit()) == 1


@needs_decide_firm_application
def test_clerk_refuses_an_application_with_a_reason(platform):
    application = platform.identity.apply("TPD")
    clerk = platform.review.clerk("TPD", "TPDCLERK")
    decision = decide_application(clerk, application.id, approve=False, reason=" 非本院鑑價機構 ")
    assert (decision.approved, decision.reason, decision.account_id) == (
        False,
        "非本院鑑價機構",
        "",
    )
    refused = platform.identity.application(application.id)
    assert refused.status == identity_pb2.APPLICATION_STATUS_REFUSED
    assert refused.refusal_reason == "非本院鑑價機構"
    [entry] = platform.review.audit()
    assert entry.action == "firm_application.refused"
    assert json.loads(entry.after_json)["reason"] == "非本院鑑價機構"


@needs_decide_firm_application
def test_clerk_of_another_court_cannot_decide_an_application(platform):
    application = platform.identity.apply("TPD")
    error = rpc_error(
        decide_application, platform.review.clerk("KLD", "KLDCLERK"), application.id, True
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == "查無此帳號申請"
    pending = platform.identity.application(application.id)
    assert pending.status == identity_pb2.APPLICATION_STATUS_PENDING
    assert platform.review.audit() == []


@needs_decide_firm_application
def test_admin_decides_an_application_of_any_court(platform):
    application = platform.identity.apply("KLD")
    decision = decide_application(platform.review.admin(), application.id, approve=True)
    assert (decision.court_code, decision.decided_by) == ("KLD", "ADMIN")
    [entry] = platform.review.audit()
    assert entry.actor_role == "admin"
    listed = platform.review.clerk("KLD").call(
        "ListAuditEntries", pb.ListAuditEntriesRequest(subject_id=application.id)
    )
    assert [e.action for e in listed.entries] == ["firm_application.activated"]
    assert listed.total == 1


@needs_decide_firm_application
def test_a_crash_after_identity_activated_is_completed_without_the_clerk(platform, monkeypatch):
    """Identity activated the account (and mailed the firm its link), then review-workflow
    died before recording it: the decision stays "deciding" and the worker completes it,
    with one audit entry here and one activation (one mail) at identity."""
    from jes_review_workflow.models import audit_log
    from support.services import outbox_events

    application = platform.identity.apply("TPD", "大華估價")
    real_record = audit_log.record

    def crash_once(*args, **kwargs):
        monkeypatch.setattr(audit_log, "record", real_record)
        raise RuntimeError("the process died here")

    monkeypatch.setattr(audit_log, "record", crash_once)
    clerk = platform.review.clerk("TPD", "TPDCLERK")
    taken = decide_application(clerk, application.id, approve=True)
    assert (taken.state, taken.decided_by, taken.account_id) == ("deciding", "TPDCLERK", "")
    activated = platform.identity.application(application.id)
    assert activated.status == identity_pb2.APPLICATION_STATUS_ACTIVATED
    assert platform.review.audit() == []

    assert platform.review.carry_out(now=later()) == 1
    [decision] = platform.review.firm_application_decisions()
    assert (decision.state, decision.account_id) == ("applied", activated.account_id)
    [entry] = platform.review.audit()
    assert (entry.action, entry.actor_account_id) == ("firm_application.activated", "TPDCLERK")
    assert json.loads(entry.after_json)["account_id"] == activated.account_id
    assert len(outbox_events(platform.identity.kit, identity_pb2.FirmAccountActivated)) == 1
    # The clerk sees it done; the same decision again is the recorded one.
    again = decide_application(clerk, application.id, approve=True)
    assert (again.state, again.account_id) == ("applied", activated.account_id)
    assert platform.review.carry_out(now=later()) == 0


@needs_decide_firm_application
def test_a_firm_decision_identity_refuses_for_good_ends_not_applied(platform):
    """Identity holds another decision on the application already (made before this
    service recorded anything, e.g. by an earlier version): the clerk is told, and the
    decision shows it was not carried out."""
    application = platform.identity.apply("TPD")
    from jes_identity.models import FirmApplication

    with platform.identity.kit.db.transaction() as session:
        earlier = session.get(FirmApplication, application.id)
        earlier.status, earlier.reason = "refused", "資料不全"
    clerk = platform.review.clerk("TPD", "TPDCLERK")
    error = rpc_error(decide_application, clerk, application.id, True)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    [decision] = platform.review.firm_application_decisions()
    assert (decision.state, decision.not_applied_reason) == ("not_applied", error.details())
    assert [e.action for e in platform.review.audit()] == ["firm_application.not_applied"]
    assert platform.review.carry_out(now=later()) == 0

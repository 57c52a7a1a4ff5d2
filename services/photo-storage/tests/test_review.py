"""Prints and the court's review: the list of prints, diffs between prints, decisions
applied by review-workflow, and the statuses they lead to."""

from __future__ import annotations

import json
from typing import Any

import grpc
import pytest

from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes_auth import DecisionBinding, KeyStore, TokenIssuer
from jes_grpckit import field_violations
from support.images import jpeg, png
from support.uploads import replace_requests

CHANGED_AFTER_PRINT = "廠商已於列印後修改此案件，請待重新列印後再審"


def printed_set(service, count: int = 2) -> tuple[pb.PhotoSet, list[pb.Photo], str]:
    opened = service.open_set()
    photos = [service.upload(opened.id, jpeg(64, 48, color=(i * 60, 30, 30))) for i in range(count)]
    printed = service.print_set(opened.id)
    return printed.photo_set, photos, printed.fingerprint


def rejection(photo: pb.Photo, reason: str, code: str = "other") -> pb.PhotoRejection:
    return pb.PhotoRejection(photo_id=photo.id, reason_code=code, reason=reason)


def diff(service, photo_set_id: str, from_fp: str, to_fp: str = "", client=None) -> list:
    request = pb.DiffPrintsRequest(
        photo_set_id=photo_set_id, from_fingerprint=from_fp, to_fingerprint=to_fp
    )
    return list((client or service.client()).call("DiffPrints", request).changes)


def history(service, photo_set_id: str) -> list:
    request = pb.GetPhotoSetHistoryRequest(photo_set_id=photo_set_id)
    return list(service.client().call("GetPhotoSetHistory", request).entries)


# -- ListPrints -----------------------------------------------------------------------------


def test_list_prints_newest_first_with_report_urls(service, fakes):
    photo_set, _, first = printed_set(service, 1)
    service.upload(photo_set.id)
    second = service.print_set(photo_set.id)
    listed = service.clerk().call("ListPrints", pb.ListPrintsRequest(photo_set_id=photo_set.id))
    assert [p.fingerprint for p in listed.prints] == [second.fingerprint, first]
    newest, oldest = listed.prints
    assert newest.report_id == second.report_id
    assert newest.report_url == f"https://reports.test/{second.report_id}.pdf"
    assert (newest.pages, newest.photo_count, newest.printed_by) == (2, 2, "firm-1")
    assert newest.set_version == second.photo_set.version
    assert (oldest.photo_count, oldest.set_version) == (1, photo_set.version)
    assert newest.printed_at.ToDatetime() >= oldest.printed_at.ToDatetime()
    # report URLs are asked for with photo-storage's own service token
    assert {c.subject for c in fakes.render.url_callers} == {"photo-storage"}


# -- DiffPrints -----------------------------------------------------------------------------


def test_diff_between_the_rejected_print_and_the_current_set(service):
    opened = service.open_set()
    photos = [
        service.upload(opened.id, jpeg(64, 48, color=(i * 60, 30, 30)), description=f"第{i}張")
        for i in range(4)
    ]
    printed = service.print_set(opened.id)
    service.decide(
        opened.id, printed.fingerprint, approve=False, rejections=[rejection(photos[0], "模糊")]
    )
    version = service.get(opened.id).version
    client = service.client()
    client.call(
        "UpdatePhoto",
        pb.UpdatePhotoRequest(
            photo_id=photos[0].id,
            expected_version=version,
            description="重拍後",
            placement=pb.PLACEMENT_OUTDOOR,
        ),
    )
    client.call(
        "ReplacePhotoImage",
        replace_requests(
            pb.ImageReplacement(photo_id=photos[1].id, expected_version=version + 1), png(70, 50)
        ),
    )
    client.call(
        "DeletePhoto", pb.DeletePhotoRequest(photo_id=photos[2].id, expected_version=version + 2)
    )
    added = service.upload(opened.id, jpeg(64, 48, color=(9, 9, 9)), sequence=1)
    # now: added, 0, 1, 3 -> move 3 before 0
    client.call(
        "ReorderPhotos",
        pb.ReorderPhotosRequest(
            photo_set_id=opened.id,
            expected_version=version + 4,
            photo_ids=[added.id, photos[3].id, photos[0].id, photos[1].id],
        ),
    )

    changes = diff(service, opened.id, printed.fingerprint)
    summary = {(c.photo_id, c.change): c for c in changes}
    assert set(summary) == {
        (added.id, "added"),
        (photos[0].id, "modified"),
        (photos[1].id, "image_replaced"),
        (photos[2].id, "removed"),
        (photos[3].id, "moved"),
    }
    modified = summary[(photos[0].id, "modified")]
    assert list(modified.fields) == ["placement", "description"]
    assert modified.summary == "室內/室外：「」→「室外」；說明：「第0張」→「重拍後」"
    assert (modified.sequence_before, modified.sequence_after) == (1, 3)
    moved = summary[(photos[3].id, "moved")]
    assert (moved.sequence_before, moved.sequence_after) == (4, 2)
    assert moved.summary == "序號：4→2"
    assert summary[(added.id, "added")].summary == "新增照片（序號 1）"
    assert summary[(photos[2].id, "removed")].summary == "刪除照片（原序號 3）"
    assert summary[(photos[1].id, "image_replaced")].summary == "更換照片影像（序號 4）"
    assert all(c.thumbnail_url for c in changes)
    assert photos[2].thumbnail_key in summary[(photos[2].id, "removed")].thumbnail_url

    # the reprint compares the same way, and an unchanged set shows nothing
    reprint = service.print_set(opened.id)
    assert {
        (c.photo_id, c.change)
        for c in diff(service, opened.id, printed.fingerprint, reprint.fingerprint)
    } == set(summary)
    assert diff(service, opened.id, reprint.fingerprint) == []


def test_diff_of_an_unknown_print_is_not_found(service):
    photo_set, _, _ = printed_set(service, 1)
    with pytest.raises(grpc.RpcError) as caught:
        diff(service, photo_set.id, "0" * 64)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as caught:
        diff(service, photo_set.id, "")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_clerk_of_another_court_cannot_diff(service):
    photo_set, _, fingerprint = printed_set(service, 1)
    assert diff(service, photo_set.id, fingerprint, client=service.clerk("TPD")) == []
    with pytest.raises(grpc.RpcError) as caught:
        diff(service, photo_set.id, fingerprint, client=service.clerk("KLD"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


# -- ApplyReviewDecision --------------------------------------------------------------------


def test_approve_locks_the_set_and_is_audited(service):
    photo_set, _, fingerprint = printed_set(service)
    approved = service.decide(photo_set.id, fingerprint, decision_id="d-1", note="符合")
    assert approved.status == pb.PHOTO_SET_STATUS_APPROVED
    assert approved.version == photo_set.version + 1
    assert approved.review_note == "符合"
    [printed, decided] = history(service, photo_set.id)
    assert printed.action == "photo_set.printed"
    assert decided.action == "photo_set.approved"
    # the clerk who decided, not the service that carried the decision here
    assert (decided.actor_account_id, decided.actor_role) == ("clerk-1", "clerk")
    assert json.loads(decided.before_json) == {"status": "submitted"}
    after = json.loads(decided.after_json)
    assert after["status"] == "approved"
    assert after["decision_id"] == "d-1"
    assert after["fingerprint"] == fingerprint
    assert after["reviewer_account_id"] == "clerk-1"


def test_reject_stores_reasons_on_photos_until_the_next_print(service):
    photo_set, photos, fingerprint = printed_set(service)
    rejected = service.decide(
        photo_set.id,
        fingerprint,
        approve=False,
        rejections=[rejection(photos[1], "照片模糊", "blurry"), rejection(photos[1], "角度不對")],
        note="請補拍",
    )
    assert rejected.status == pb.PHOTO_SET_STATUS_REJECTED
    assert rejected.review_note == "請補拍"
    assert [p.rejection_reason for p in rejected.photos] == ["", "照片模糊；角度不對"]
    queue = service.client().call(
        "ListPhotoSets", pb.ListPhotoSetsRequest(statuses=[pb.PHOTO_SET_STATUS_REJECTED])
    )
    assert [s.id for s in queue.photo_sets] == [photo_set.id]
    entry = history(service, photo_set.id)[-1]
    assert entry.action == "photo_set.rejected"
    assert json.loads(entry.after_json)["rejections"] == [
        {"photo_id": photos[1].id, "sequence": 2, "reason": "照片模糊；角度不對"}
    ]

    # the firm edits: the set stays in the rejected queue, marked changed
    service.client().call(
        "UpdatePhoto",
        pb.UpdatePhotoRequest(
            photo_id=photos[1].id, expected_version=rejected.version, description="補拍"
        ),
    )
    edited = service.get(photo_set.id)
    assert edited.status == pb.PHOTO_SET_STATUS_REJECTED
    assert edited.changed_since_print is True
    assert service.events(pb.PhotoSetChangedAfterPrint) == []  # nothing pending to withdraw

    # printing again resubmits and clears the court's reasons
    reprint = service.print_set(photo_set.id)
    assert reprint.photo_set.status == pb.PHOTO_SET_STATUS_SUBMITTED
    assert reprint.photo_set.changed_since_print is False
    assert reprint.photo_set.review_note == ""
    assert [p.rejection_reason for p in reprint.photo_set.photos] == ["", ""]
    [_, (_, resubmitted)] = service.events(pb.PhotoSetSubmitted)
    assert resubmitted.previous_fingerprint == fingerprint


def test_an_unchanged_rejected_set_printed_again_is_a_new_submission(service):
    photo_set, _, fingerprint = printed_set(service, 1)
    service.decide(photo_set.id, fingerprint, approve=False, note="請確認")
    reprint = service.print_set(photo_set.id)
    assert reprint.photo_set.status == pb.PHOTO_SET_STATUS_SUBMITTED
    assert reprint.fingerprint != fingerprint  # the decision made a new version
    assert service.decide(photo_set.id, reprint.fingerprint).status == (
        pb.PHOTO_SET_STATUS_APPROVED
    )


def test_the_same_decision_twice_is_applied_once(service):
    photo_set, photos, fingerprint = printed_set(service)
    kw = {"approve": False, "rejections": [rejection(photos[0], "模糊")], "decision_id": "d-7"}
    first = service.decide(photo_set.id, fingerprint, **kw)
    again = service.decide(photo_set.id, fingerprint, **kw)
    assert (again.status, again.version) == (first.status, first.version)
    assert [p.rejection_reason for p in again.photos] == ["模糊", ""]
    assert [e.action for e in history(service, photo_set.id)].count("photo_set.rejected") == 1


def test_decision_after_the_firm_changed_the_set_is_refused(service):
    photo_set, _, fingerprint = printed_set(service)
    service.upload(photo_set.id)
    with pytest.raises(grpc.RpcError) as caught:
        service.decide(photo_set.id, fingerprint)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert caught.value.details() == CHANGED_AFTER_PRINT
    assert service.get(photo_set.id).status == pb.PHOTO_SET_STATUS_CHANGED_SINCE_PRINT


def test_decision_on_an_older_print_is_refused(service):
    photo_set, _, first = printed_set(service)
    service.upload(photo_set.id)
    service.print_set(photo_set.id)
    with pytest.raises(grpc.RpcError) as caught:
        service.decide(photo_set.id, first)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert caught.value.details() == CHANGED_AFTER_PRINT


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("draft", "此案件尚未列印送出"),
        ("approved", "此案件已通過審核"),
        ("rejected", "此案件已退回，請待廠商重新列印後再審"),
    ],
)
def test_decision_needs_a_pending_submission(service, state, message):
    photo_set, _, fingerprint = printed_set(service, 1)
    if state == "draft":
        photo_set = service.open_set()
        fingerprint = ""
    else:
        service.decide(photo_set.id, fingerprint, approve=state == "approved", note="x")
    with pytest.raises(grpc.RpcError) as caught:
        service.decide(photo_set.id, fingerprint)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert caught.value.details() == message


@pytest.mark.parametrize(
    "caller",
    [
        "firm",
        "clerk",
        "admin",
        "other-service",
        "other-service with a grant",
        "review-workflow alone",
        "review-workflow forwarding the clerk's token",
        "review-workflow with a firm's grant",
        "review-workflow with another court's clerk's grant",
        "review-workflow with a grant for another set",
        "review-workflow with a grant for another print",
        "review-workflow with a grant for the other decision",
        "review-workflow with a grant for another decision id",
        "review-workflow with a grant of another court",
        "review-workflow with a grant signed elsewhere",
        "review-workflow with an access token for a grant",
    ],
)
def test_only_review_workflow_applies_decisions_with_the_clerks_grant(service, tmp_path, caller):
    """Issue 9: a review-workflow service token approved and locked a set no clerk had seen,
    writing a clerk of its choosing into the history. A decision is applied only when
    review-workflow presents identity's grant of a clerk of the set's court (or an admin)
    for exactly this decision; nothing changes otherwise."""
    photo_set, _, fingerprint = printed_set(service, 1)
    other_set, _, other_fingerprint = printed_set(service, 1)

    def grant(**changes: Any) -> str:
        options: dict[str, Any] = {"approve": True}
        options.update(changes)
        target = options.pop("photo_set_id", photo_set.id)
        print_of = options.pop("fingerprint", fingerprint)
        decision_id = options.pop("decision_id", "d-x")
        return service.grant(target, print_of, decision_id, **options)

    clerk = service.clerk_token()
    forged = TokenIssuer(KeyStore(tmp_path / "forger")).issue_decision_grant(
        service.kit.verifier.verify(clerk),
        DecisionBinding("photo_set_review", photo_set.id, fingerprint, "approve", "d-x", "TPD"),
        actor="review-workflow",
    )
    rw = service.review_workflow
    client, decision_grant = {
        "firm": lambda: (service.client(service.firm_token()), grant()),
        "clerk": lambda: (service.client(clerk), grant()),
        "admin": lambda: (service.client(service.issuer.issue("admin", roles=["admin"])), ""),
        "other-service": lambda: (service.as_module("notification"), ""),
        "other-service with a grant": lambda: (service.as_module("notification"), grant()),
        "review-workflow alone": lambda: (rw(), ""),
        "review-workflow forwarding the clerk's token": lambda: (
            service.as_module("review-workflow", clerk),
            grant(),
        ),
        "review-workflow with a firm's grant": lambda: (rw(), grant(token=service.firm_token())),
        "review-workflow with another court's clerk's grant": lambda: (
            rw(),
            grant(token=service.clerk_token("clerk-k", court="KSD"), court="KSD"),
        ),
        "review-workflow with a grant for another set": lambda: (
            rw(),
            grant(photo_set_id=other_set.id, fingerprint=other_fingerprint),
        ),
        "review-workflow with a grant for another print": lambda: (
            rw(),
            grant(fingerprint=other_fingerprint),
        ),
        "review-workflow with a grant for the other decision": lambda: (rw(), grant(approve=False)),
        "review-workflow with a grant for another decision id": lambda: (
            rw(),
            grant(decision_id="d-y"),
        ),
        "review-workflow with a grant of another court": lambda: (
            rw(),
            grant(token=service.issuer.issue("admin", roles=["admin"]), court="KSD"),
        ),
        "review-workflow with a grant signed elsewhere": lambda: (rw(), forged),
        "review-workflow with an access token for a grant": lambda: (rw(), clerk),
    }[caller]()
    request = pb.ApplyReviewDecisionRequest(
        photo_set_id=photo_set.id,
        fingerprint=fingerprint,
        decision_id="d-x",
        decision=pb.DECISION_APPROVE,
        decision_grant=decision_grant,
    )
    with pytest.raises(grpc.RpcError) as caught:
        client.call("ApplyReviewDecision", request)
    assert caught.value.code() in (
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.UNAUTHENTICATED,  # a grant not signed by identity, or no grant at all
    )
    if caller.startswith("review-workflow with a grant for"):
        assert caught.value.details() == "權限不足：審核決定的授權不是這項決定的"
    assert service.get(photo_set.id).status == pb.PHOTO_SET_STATUS_SUBMITTED
    history = service.client().call(
        "GetPhotoSetHistory", pb.GetPhotoSetHistoryRequest(photo_set_id=photo_set.id)
    )
    assert not [e for e in history.entries if e.action.startswith("photo_set.approved")]


def test_a_grant_is_no_access_token(service):
    """A grant presented as a bearer token is refused on every RPC (other audience)."""
    photo_set, _, fingerprint = printed_set(service, 1)
    grant = service.grant(photo_set.id, fingerprint, "d-x")
    for caller in ("gateway", "review-workflow"):
        with pytest.raises(grpc.RpcError) as caught:
            service.get(photo_set.id, client=service.as_module(caller, grant))
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_the_reviewer_is_the_clerk_of_the_grant(service):
    """The request names no reviewer: the history names the clerk the grant was issued
    for (from their verified token)."""
    photo_set, _, fingerprint = printed_set(service, 1)
    token = service.issuer.issue("id-7", roles=["clerk"], court_code="TPD", username="TPDCLERK")
    service.decide(photo_set.id, fingerprint, token=token)
    history = service.client().call(
        "GetPhotoSetHistory", pb.GetPhotoSetHistoryRequest(photo_set_id=photo_set.id)
    )
    [decided] = [e for e in history.entries if e.action == "photo_set.approved"]
    assert (decided.actor_account_id, decided.actor_role) == ("TPDCLERK", "clerk")
    assert "reviewer_account_id" not in pb.ApplyReviewDecisionRequest.DESCRIPTOR.fields_by_name


def test_rejection_of_a_photo_outside_the_set_is_invalid(service):
    photo_set, _, fingerprint = printed_set(service, 1)
    _, [other_photo], _ = printed_set(service, 1)
    with pytest.raises(grpc.RpcError) as caught:
        service.decide(
            photo_set.id, fingerprint, approve=False, rejections=[rejection(other_photo, "x")]
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "rejections" in field_violations(caught.value)
    with pytest.raises(grpc.RpcError) as caught:
        service.decide(photo_set.id, fingerprint, approve=False)
    assert field_violations(caught.value) == {"rejections": "不通過時請說明理由"}
    assert service.get(photo_set.id).status == pb.PHOTO_SET_STATUS_SUBMITTED


# -- what the clerk's re-review shows (issue 13 finding 3) ----------------------------------


def test_a_replaced_image_has_its_before_and_after_thumbnails(service):
    photo_set, photos, first = printed_set(service, 2)
    service.client().call(
        "ReplacePhotoImage",
        replace_requests(
            pb.ImageReplacement(
                photo_id=photos[1].id, expected_version=photo_set.version, filename="new.jpg"
            ),
            jpeg(64, 48, color=(10, 200, 10)),
        ),
    )
    second = service.print_set(photo_set.id)
    [change] = [
        c for c in diff(service, photo_set.id, first, second.fingerprint, client=service.clerk())
    ]
    assert change.change == "image_replaced" and change.sequence_after == 2
    assert change.thumbnail_url and change.thumbnail_before_url
    assert change.thumbnail_before_url != change.thumbnail_url
    assert change.thumbnail_before_url == photos[1].thumbnail_url.split("?")[0] or (
        photos[1].thumbnail_key in change.thumbnail_before_url
    )


def test_a_print_keeps_the_checklist_warnings_it_was_printed_with(service):
    opened = service.open_set()
    service.upload(opened.id, placement=pb.PLACEMENT_INDOOR, views=[pb.VIEW_FRONT])
    service.print_set(opened.id)
    [printed] = (
        service.clerk().call("ListPrints", pb.ListPrintsRequest(photo_set_id=opened.id)).prints
    )
    assert list(printed.checklist_warnings) == [
        "背面：尚無標示為「背面」的照片",
        "左側面：尚無標示為「左側面」的照片",
        "右側面：尚無標示為「右側面」的照片",
        "臨路狀況：尚無標示為「臨路狀況」的照片",
    ]

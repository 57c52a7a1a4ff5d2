"""Court pages against fake services: queue, review and decision, firm applications, audit."""

from __future__ import annotations

import json

import grpc
import pytest

from jes.audit.v1 import audit_pb2
from jes.identity.v1 import identity_pb2
from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb
from jes.review_workflow.v1 import review_workflow_pb2 as review_pb

CHANGED_AFTER_PRINT = "鑑估價公司已於列印後修改此案件，請待重新列印後再審核"


def submission(**changes) -> review_pb.Submission:
    values = {
        "id": "sub-1",
        "photo_set_id": "set-1",
        "court_code": "TPD",
        "case_number": "107年度司執字第999號",
        "division": "乙",
        "batch": 1,
        "state": "pending",
        "firm_account_id": "TPD0001",
        "firm_name": "大華估價",
        "pages": 3,
        "fingerprint": "fp-2",
        **changes,
    }
    message = review_pb.Submission(**values)
    message.submitted_at.FromJsonString("2024-03-01T02:30:00Z")
    return message


def photo_set() -> photo_pb.PhotoSet:
    return photo_pb.PhotoSet(
        id="set-1",
        court_code="TPD",
        division="乙",
        case_number=photo_pb.CaseNumber(year=107, word="司執", number=999),
        batch=1,
        status=photo_pb.PHOTO_SET_STATUS_SUBMITTED,
        last_fingerprint="fp-2",
        photos=[
            photo_pb.Photo(
                id=f"p{n}",
                sequence=n,
                placement=photo_pb.PLACEMENT_OUTDOOR,
                description=f"外觀{n}",
                thumbnail_url=f"/objects/photos/t{n}.jpg",
                image_url=f"/objects/photos/r{n}.jpg",
            )
            for n in (1, 2)
        ],
    )


@pytest.fixture
def review_services(services):
    services.reviews.replies.update(
        GetSubmission=submission(),
        ListSubmissions=review_pb.ListSubmissionsResponse(),  # no earlier rejected print
        ListRejectionReasons=review_pb.ListRejectionReasonsResponse(
            reasons=[
                review_pb.RejectionReason(code="blurry", label="照片模糊不清"),
                review_pb.RejectionReason(code="other", label="其他"),
            ]
        ),
    )
    services.photos.replies.update(
        GetPhotoSet=photo_set(),
        ListPrints=photo_pb.ListPrintsResponse(
            prints=[
                photo_pb.PrintRecord(fingerprint="fp-2", pages=3, report_url="/objects/r/2.pdf"),
                photo_pb.PrintRecord(fingerprint="fp-1", pages=2, report_url="/objects/r/1.pdf"),
            ]
        ),
        DiffPrints=photo_pb.DiffPrintsResponse(
            changes=[
                photo_pb.PhotoChange(
                    photo_id="p2",
                    change="modified",
                    sequence_before=2,
                    sequence_after=2,
                    summary="說明：「舊」→「外觀2」",
                )
            ]
        ),
        GetPhotoSetHistory=photo_pb.GetPhotoSetHistoryResponse(
            entries=[
                audit_pb2.AuditEntry(
                    action="photo.updated",
                    actor_account_id="TPD0001",
                    actor_role="firm",
                    before_json=json.dumps({"description": "舊"}),
                    after_json=json.dumps({"description": "外觀2"}),
                )
            ]
        ),
    )
    return services


def test_staff_pages_need_a_clerk(firm):
    for path in ("/court/reviews", "/court/applications", "/court/audit"):
        assert firm.get(path).status_code == 403


def test_queue_lists_pending_by_default_with_the_columns(clerk, services):
    services.reviews.replies["ListSubmissions"] = review_pb.ListSubmissionsResponse(
        submissions=[submission()], total=41, page=1, page_count=3
    )
    page = clerk.get("/court/reviews").get_data(as_text=True)
    [asked] = services.reviews.requests("ListSubmissions")
    assert (asked.state, asked.page, asked.court_code) == ("pending", 1, "")
    assert services.reviews.tokens("ListSubmissions") == ["token-of-TPDCLERK"]
    for shown in (
        "107年度司執字第999號",
        "乙",
        "大華估價",
        "113/03/01 10:30",
        "總筆數：41",
        "第 1/3 頁",
    ):
        assert shown in page
    assert 'href="/court/reviews/sub-1"' in page


@pytest.mark.parametrize(
    ("wanted", "asked"), [("all", ""), ("rejected", "rejected"), ("x", "pending")]
)
def test_queue_state_filter(clerk, services, wanted, asked):
    services.reviews.replies["ListSubmissions"] = review_pb.ListSubmissionsResponse()
    page = clerk.get(f"/court/reviews?state={wanted}&page=2").get_data(as_text=True)
    [request] = services.reviews.requests("ListSubmissions")
    assert request.state == asked and request.page == 2
    assert "目前沒有" in page


def test_review_page_shows_photos_prints_changes_history_and_the_form(clerk, review_services):
    review_services.reviews.replies["GetSubmission"] = submission(
        previous_rejected_fingerprint="fp-1"
    )
    page = clerk.get("/court/reviews/sub-1").get_data(as_text=True)
    assert 'href="/objects/photos/r1.jpg"' in page and 'src="/objects/photos/t1.jpg"' in page
    assert "外觀1" in page and "室外" in page
    assert 'href="/objects/r/2.pdf"' in page and 'href="/objects/r/1.pdf"' in page
    assert "與前次未通過版本的差異" in page and "說明：「舊」→「外觀2」" in page
    [diff] = review_services.photos.requests("DiffPrints")
    assert (diff.from_fingerprint, diff.to_fingerprint) == ("fp-1", "fp-2")
    assert 'name="reason_code-p1"' in page and "照片模糊不清" in page
    assert 'value="approve"' in page and 'value="reject"' in page
    assert "案件歷程" in page and "TPD0001（鑑估價公司）" in page


def test_first_submission_has_no_diff(clerk, review_services):
    page = clerk.get("/court/reviews/sub-1").get_data(as_text=True)
    assert "與前次未通過版本的差異" not in page
    assert review_services.photos.requests("DiffPrints") == []


@pytest.mark.parametrize("code", [grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED])
def test_another_courts_submission_is_not_found(clerk, review_services, refusal, code):
    review_services.reviews.replies["GetSubmission"] = refusal(code, "查無此審核案件")
    assert clerk.get("/court/reviews/sub-1").status_code == 404


def test_reject_sends_a_reason_per_photo(clerk, review_services, form_post):
    review_services.reviews.replies["DecideSubmission"] = submission(state="rejected")
    form = {
        "decision": "reject",
        "note": "請補拍",
        "photo_id": ["p1", "p2"],
        "sequence-p1": "1",
        "sequence-p2": "2",
        "reason_code-p1": "",
        "reason_text-p1": "",
        "reason_code-p2": "other",
        "reason_text-p2": "看不到門牌",
    }
    reply = form_post(clerk, "/court/reviews/sub-1/decision", form)
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/court/reviews")
    [sent] = review_services.reviews.requests("DecideSubmission")
    assert not sent.approve and sent.note == "請補拍"
    assert [(r.photo_id, r.sequence, r.reason_code, r.text) for r in sent.reasons] == [
        ("p2", 2, "other", "看不到門牌")
    ]
    review_services.reviews.replies["ListSubmissions"] = review_pb.ListSubmissionsResponse()
    assert "已審核不通過" in clerk.get("/court/reviews").get_data(as_text=True)


def test_approve_sends_no_reasons(clerk, review_services, form_post):
    review_services.reviews.replies["DecideSubmission"] = submission(state="approved")
    form = {"decision": "approve", "photo_id": ["p1"], "reason_code-p1": "blurry"}
    assert form_post(clerk, "/court/reviews/sub-1/decision", form).status_code == 302
    [sent] = review_services.reviews.requests("DecideSubmission")
    assert sent.approve and list(sent.reasons) == []


def test_reason_errors_are_shown_at_their_photo(clerk, review_services, form_post, refusal):
    review_services.reviews.replies["DecideSubmission"] = refusal(
        grpc.StatusCode.INVALID_ARGUMENT,
        "審核資料有誤，請修正後再送出",
        {"reasons[0].text": "選擇「其他」時請填寫理由"},
    )
    form = {"decision": "reject", "photo_id": ["p1", "p2"], "reason_code-p2": "other"}
    reply = form_post(clerk, "/court/reviews/sub-1/decision", form)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert "選擇「其他」時請填寫理由" in page
    # the error sits in photo 2's box, which keeps the chosen reason
    photo2 = page[page.index('name="photo_id" value="p2"') :]
    assert "選擇「其他」時請填寫理由" in photo2
    assert '<option value="other" selected>' in photo2


def test_a_changed_set_shows_the_services_message(clerk, review_services, form_post, refusal):
    review_services.reviews.replies["DecideSubmission"] = refusal(
        grpc.StatusCode.FAILED_PRECONDITION, CHANGED_AFTER_PRINT
    )
    reply = form_post(clerk, "/court/reviews/sub-1/decision", {"decision": "approve"})
    assert reply.status_code == 409 and CHANGED_AFTER_PRINT in reply.get_data(as_text=True)


def test_decided_submission_has_no_form_and_shows_its_reasons(clerk, review_services):
    decided = submission(state="rejected", note="請補拍")
    decided.reasons.add(photo_id="p1", sequence=1, reason_code="blurry", label="照片模糊不清")
    review_services.reviews.replies["GetSubmission"] = decided
    page = clerk.get("/court/reviews/sub-1").get_data(as_text=True)
    assert 'value="approve"' not in page
    assert "退回理由：照片模糊不清" in page and "請補拍" in page


def test_a_decision_still_being_carried_out_is_shown_as_taken(clerk, review_services, form_post):
    """Photo-storage was away: review-workflow recorded the decision and completes it by
    itself; the clerk is told so, not that the firm was told."""
    review_services.reviews.replies["DecideSubmission"] = submission(
        state="deciding", decision="approve"
    )
    assert (
        form_post(clerk, "/court/reviews/sub-1/decision", {"decision": "approve"}).status_code
        == 302
    )
    review_services.reviews.replies["ListSubmissions"] = review_pb.ListSubmissionsResponse()
    page = clerk.get("/court/reviews").get_data(as_text=True)
    assert "已記錄審核通過的決定，系統正在處理" in page
    assert "系統已通知鑑估價公司" not in page


def test_a_decision_not_carried_out_shows_why(clerk, review_services):
    review_services.reviews.replies["GetSubmission"] = submission(
        state="not_applied", decision="approve", not_applied_reason=CHANGED_AFTER_PRINT
    )
    page = clerk.get("/court/reviews/sub-1").get_data(as_text=True)
    assert "決定未能執行" in page
    assert f"審核通過的決定未能執行：{CHANGED_AFTER_PRINT}" in page
    assert 'value="approve"' not in page


def application(status: int, **changes) -> identity_pb2.FirmApplication:
    values = {
        "id": "app-1",
        "court_code": "TPD",
        "company_name": "大華估價",
        "contact_person": "王大明",
        "email": "a@example.com",
        "phone": "02-1234",
        "status": status,
        **changes,
    }
    return identity_pb2.FirmApplication(**values)


def test_applications_page_lists_pending_and_decided(clerk, services):
    services.identity.replies["ListFirmApplications"] = identity_pb2.ListFirmApplicationsResponse(
        applications=[
            application(identity_pb2.APPLICATION_STATUS_PENDING),
            application(
                identity_pb2.APPLICATION_STATUS_REFUSED,
                id="app-2",
                company_name="小明估價",
                refusal_reason="資料不全",
            ),
        ]
    )
    page = clerk.get("/court/applications").get_data(as_text=True)
    assert "待審核的申請（1）" in page and "開通帳號" in page
    assert "/court/applications/app-1/decision" in page
    assert "小明估價" in page and "資料不全" in page and "不予開通" in page
    assert "/court/applications/app-2/decision" not in page


def test_activate_and_refuse_go_to_review_workflow(clerk, services, form_post, refusal):
    services.identity.replies["ListFirmApplications"] = identity_pb2.ListFirmApplicationsResponse(
        applications=[application(identity_pb2.APPLICATION_STATUS_PENDING)]
    )
    services.reviews.replies["DecideFirmApplication"] = refusal(
        grpc.StatusCode.INVALID_ARGUMENT, "資料有誤", {"reason": "不予開通時請填寫理由"}
    )
    reply = form_post(clerk, "/court/applications/app-1/decision", {"decision": "refuse"})
    assert reply.status_code == 400 and "不予開通時請填寫理由" in reply.get_data(as_text=True)

    services.reviews.replies["DecideFirmApplication"] = review_pb.FirmApplicationDecision(
        application_id="app-1", approved=True, account_id="TPD0002"
    )
    reply = form_post(clerk, "/court/applications/app-1/decision", {"decision": "activate"})
    assert reply.status_code == 302
    assert "已開通帳號 TPD0002" in clerk.get("/court/applications").get_data(as_text=True)
    [first, second] = services.reviews.requests("DecideFirmApplication")
    assert (first.approve, second.approve) == (False, True)


def test_an_application_decision_being_carried_out_is_shown_as_taken(clerk, services, form_post):
    services.identity.replies["ListFirmApplications"] = identity_pb2.ListFirmApplicationsResponse(
        applications=[application(identity_pb2.APPLICATION_STATUS_PENDING)]
    )
    services.reviews.replies["DecideFirmApplication"] = review_pb.FirmApplicationDecision(
        application_id="app-1", approved=True, state="deciding"
    )
    reply = form_post(clerk, "/court/applications/app-1/decision", {"decision": "activate"})
    assert reply.status_code == 302
    page = clerk.get("/court/applications").get_data(as_text=True)
    assert "已記錄決定，系統正在處理" in page and "已開通帳號" not in page


def test_audit_page_shows_changes_readably(clerk, services):
    entry = audit_pb2.AuditEntry(
        action="firm_application.refused",
        action_label="不予開通帳號申請",  # review-workflow labels the actions it records
        actor_account_id="TPDCLERK",
        actor_role="clerk",
        subject_type="firm_application",
        subject_id="app-2",
        before_json=json.dumps({"status": "pending", "company_name": "小明估價"}),
        after_json=json.dumps(
            {"status": "refused", "company_name": "小明估價", "reason": "資料不全"}
        ),
    )
    services.reviews.replies["ListAuditEntries"] = review_pb.ListAuditEntriesResponse(
        entries=[entry], total=25
    )
    page = clerk.get("/court/audit?page=2").get_data(as_text=True)
    assert "不予開通帳號申請" in page and 'TPDCLERK<div class="meta">書記官</div>' in page
    assert "待審核" in page and "理由" in page and "資料不全" in page
    assert "公司名稱" not in page  # unchanged fields are left out
    assert "第 2/2 頁" in page
    [asked] = services.reviews.requests("ListAuditEntries")
    assert asked.page == 2

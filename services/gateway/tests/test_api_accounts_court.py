"""REST API for accounts and court staff against fake services."""

from __future__ import annotations

import grpc

from jes.identity.v1 import identity_pb2
from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb
from jes.review_workflow.v1 import review_workflow_pb2 as review_pb

BEARER = {"Authorization": "Bearer clerk-token"}


def test_reset_requests_answer_the_same_and_are_rate_limited(client, services):
    services.identity.replies["RequestPasswordReset"] = identity_pb2.RequestPasswordResetResponse()
    body = {"account_id": "tpd0001", "email": "a@example.com"}
    replies = [client.post("/api/v1/password/reset-requests", json=body) for _ in range(11)]
    assert [r.status_code for r in replies] == [202] * 10 + [429]
    assert "若資料正確" in replies[0].get_json()["message"]
    assert services.identity.requests("RequestPasswordReset")[0].account_id == "TPD0001"


def test_set_password_refusal_is_json_with_fields(client, services, refusal):
    services.identity.replies["SetPassword"] = refusal(
        grpc.StatusCode.INVALID_ARGUMENT, "輸入資料有誤", {"new_password": "密碼須包含數字"}
    )
    reply = client.post("/api/v1/password/set", json={"token": "t", "new_password": "x"})
    assert reply.status_code == 400
    # RFC 9457 problem details; `error` and `fields` as clients have always read them.
    assert reply.mimetype == "application/problem+json"
    assert reply.get_json() == {
        "type": "about:blank",
        "title": "輸入資料有誤",
        "status": 400,
        "detail": "輸入資料有誤",
        "error": "輸入資料有誤",
        "fields": {"new_password": "密碼須包含數字"},
    }


def test_patch_account_changes_only_what_was_sent(client, services, refusal):
    services.identity.replies["GetMyAccount"] = identity_pb2.Account(
        account_id="TPD0001", display_name="大華", email="a@example.com", phone="02-1"
    )
    services.identity.replies["UpdateMyAccount"] = lambda r: identity_pb2.Account(
        account_id="TPD0001", display_name=r.display_name, email=r.email, phone=r.phone
    )
    reply = client.patch("/api/v1/account", json={"phone": "02-2"}, headers=BEARER)
    assert reply.status_code == 200
    assert reply.get_json()["phone"] == "02-2" and reply.get_json()["name"] == "大華"
    [sent] = services.identity.requests("UpdateMyAccount")
    assert (sent.display_name, sent.email, sent.phone) == ("大華", "a@example.com", "02-2")
    assert services.identity.tokens("UpdateMyAccount") == ["clerk-token"]

    services.identity.replies["UpdateMyAccount"] = refusal(
        grpc.StatusCode.INVALID_ARGUMENT, "輸入資料有誤", {"display_name": "請輸入名稱"}
    )
    reply = client.patch("/api/v1/account", json={"name": ""}, headers=BEARER)
    assert reply.status_code == 400 and reply.get_json()["fields"] == {"name": "請輸入名稱"}


def test_account_without_a_token_is_401(client, services, refusal):
    services.identity.replies["GetMyAccount"] = refusal(grpc.StatusCode.UNAUTHENTICATED, "請先登入")
    reply = client.get("/api/v1/account")
    assert reply.status_code == 401 and reply.get_json()["error"] == "請先登入"


def test_firm_application_listing_and_decision(client, services):
    services.identity.replies["ListFirmApplications"] = identity_pb2.ListFirmApplicationsResponse(
        applications=[
            identity_pb2.FirmApplication(id="app-1", status=identity_pb2.APPLICATION_STATUS_PENDING)
        ]
    )
    reply = client.get("/api/v1/firm-applications?status=pending", headers=BEARER)
    assert reply.get_json()["applications"][0]["status"] == "pending"
    [asked] = services.identity.requests("ListFirmApplications")
    assert asked.status == identity_pb2.APPLICATION_STATUS_PENDING
    bad = client.get("/api/v1/firm-applications?status=maybe", headers=BEARER)
    assert bad.status_code == 400 and "status" in bad.get_json()["fields"]

    services.reviews.replies["DecideFirmApplication"] = review_pb.FirmApplicationDecision(
        application_id="app-1", approved=False, reason="資料不全"
    )
    url = "/api/v1/firm-applications/app-1/decision"
    assert client.post(url, json={"approve": "yes"}, headers=BEARER).status_code == 400
    reply = client.post(url, json={"approve": False, "reason": "資料不全"}, headers=BEARER)
    assert reply.status_code == 200 and reply.get_json()["reason"] == "資料不全"
    [sent] = services.reviews.requests("DecideFirmApplication")
    assert (sent.application_id, sent.approve, sent.reason) == ("app-1", False, "資料不全")


def test_submission_decision_takes_sequences_from_the_set(client, services):
    services.reviews.replies["GetSubmission"] = review_pb.Submission(
        id="sub-1", photo_set_id="set-1", state="pending"
    )
    services.photos.replies["GetPhotoSet"] = photo_pb.PhotoSet(
        id="set-1",
        photos=[photo_pb.Photo(id="p1", sequence=1), photo_pb.Photo(id="p2", sequence=2)],
    )
    services.reviews.replies["DecideSubmission"] = lambda r: review_pb.Submission(
        id=r.submission_id, state="rejected", reasons=r.reasons
    )
    url = "/api/v1/submissions/sub-1/decision"
    unknown = {"approve": False, "reasons": [{"photo_id": "zzz", "reason_code": "blurry"}]}
    reply = client.post(url, json=unknown, headers=BEARER)
    assert reply.status_code == 400
    assert reply.get_json()["fields"] == {"reasons[0].photo_id": "此照片不屬於本案件"}

    body = {
        "approve": False,
        "note": "請補拍",
        "reasons": [{"photo_id": "p2", "reason_code": "other", "text": "看不到門牌"}],
    }
    reply = client.post(url, json=body, headers=BEARER)
    assert reply.status_code == 200 and reply.get_json()["state"] == "rejected"
    [sent] = services.reviews.requests("DecideSubmission")
    assert [(r.photo_id, r.sequence, r.text) for r in sent.reasons] == [("p2", 2, "看不到門牌")]
    assert sent.note == "請補拍"


def test_submission_detail_carries_photos_prints_and_changes(client, services):
    services.reviews.replies["GetSubmission"] = review_pb.Submission(
        id="sub-1",
        photo_set_id="set-1",
        fingerprint="fp-2",
        previous_rejected_fingerprint="fp-1",
    )
    # the earlier rejected submission (its reasons), which the bundle reads too
    services.reviews.replies["ListSubmissions"] = review_pb.ListSubmissionsResponse()
    services.photos.replies["GetPhotoSet"] = photo_pb.PhotoSet(
        id="set-1", photos=[photo_pb.Photo(id="p1", sequence=1, thumbnail_url="/t/1.jpg")]
    )
    services.photos.replies["ListPrints"] = photo_pb.ListPrintsResponse(
        prints=[photo_pb.PrintRecord(fingerprint="fp-2", report_url="/r/2.pdf")]
    )
    services.photos.replies["DiffPrints"] = photo_pb.DiffPrintsResponse(
        changes=[photo_pb.PhotoChange(photo_id="p1", change="image_replaced")]
    )
    detail = client.get("/api/v1/submissions/sub-1", headers=BEARER).get_json()
    assert detail["submission"]["previous_rejected_fingerprint"] == "fp-1"
    assert detail["photo_set"]["photos"][0]["thumbnail_url"] == "/t/1.jpg"
    assert detail["prints"][0]["report_url"] == "/r/2.pdf"
    assert detail["changes_since_rejection"][0]["change"] == "image_replaced"


def test_submission_list_validates_the_state(client, services):
    services.reviews.replies["ListSubmissions"] = review_pb.ListSubmissionsResponse(total=0)
    reply = client.get("/api/v1/submissions?state=all&page=3", headers=BEARER)
    assert reply.status_code == 200 and reply.get_json()["page_count"] == 1
    [asked] = services.reviews.requests("ListSubmissions")
    assert (asked.state, asked.page) == ("", 3)
    assert client.get("/api/v1/submissions?state=done", headers=BEARER).status_code == 400

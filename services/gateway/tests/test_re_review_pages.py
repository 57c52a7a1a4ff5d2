"""Issue 13 finding 3: the clerk's re-review and the queue's search."""

from __future__ import annotations

import pytest

from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb
from jes.review_workflow.v1 import review_workflow_pb2 as review_pb

BEARER = {"Authorization": "Bearer clerk-token"}


def test_the_queue_is_searched_filtered_and_sorted_by_waiting_time(clerk, services):
    services.reviews.replies["ListSubmissions"] = review_pb.ListSubmissionsResponse()
    page = clerk.get(
        "/court/reviews?case_number=114.司執.12345&division=甲&firm=海港&sort=waiting"
    ).get_data(as_text=True)
    [asked] = services.reviews.requests("ListSubmissions")
    assert (asked.case_number, asked.division, asked.firm, asked.sort) == (
        "114.司執.12345",
        "甲",
        "海港",
        "waiting",
    )
    assert 'name="case_number" value="114.司執.12345"' in page
    assert '<option value="waiting" selected>等候最久在前</option>' in page
    assert "查無符合條件的待審核案件" in page


def test_the_queue_shows_how_long_each_has_waited(clerk, services):
    waiting = review_pb.Submission(id="s1", case_number="114年度司執字第1號", state="pending")
    waiting.submitted_at.FromSeconds(1)
    services.reviews.replies["ListSubmissions"] = review_pb.ListSubmissionsResponse(
        submissions=[waiting], total=1
    )
    page = clerk.get("/court/reviews").get_data(as_text=True)
    assert '<th scope="col">等候</th>' in page and " 天 " in page


def test_the_api_queue_takes_the_same_search_and_documents_it(client, services):
    services.reviews.replies["ListSubmissions"] = review_pb.ListSubmissionsResponse()
    reply = client.get(
        "/api/v1/submissions?case_number=12345&division=甲&firm=海港&sort=waiting", headers=BEARER
    )
    assert reply.status_code == 200, reply.get_json()
    [asked] = services.reviews.requests("ListSubmissions")
    assert (asked.case_number, asked.division, asked.firm, asked.sort) == (
        "12345",
        "甲",
        "海港",
        "waiting",
    )
    wrong = client.get("/api/v1/submissions?sort=random", headers=BEARER)
    assert wrong.status_code == 400 and "排序" in wrong.get_json()["fields"]["sort"]
    spec = client.get("/api/v1/openapi.json").get_json()
    params = {p["name"] for p in spec["paths"]["/submissions"]["get"]["parameters"]}
    assert {"case_number", "division", "firm", "sort"} <= params


@pytest.fixture
def re_review(services):
    """A reprint of set-1 after the court refused print fp-1: photo p2 was replaced."""
    submission = review_pb.Submission(
        id="sub-2",
        photo_set_id="set-1",
        court_code="TPD",
        case_number="114年度司執字第12345號",
        state="pending",
        fingerprint="fp-2",
        previous_rejected_fingerprint="fp-1",
    )
    refused = review_pb.Submission(
        id="sub-1",
        photo_set_id="set-1",
        state="rejected",
        fingerprint="fp-1",
        reasons=[
            review_pb.PhotoReason(photo_id="p2", sequence=2, label="光線不足", text="側面過暗")
        ],
    )
    services.reviews.replies.update(
        GetSubmission=submission,
        ListSubmissions=review_pb.ListSubmissionsResponse(submissions=[refused]),
        ListRejectionReasons=review_pb.ListRejectionReasonsResponse(),
    )
    services.photos.replies.update(
        GetPhotoSet=photo_pb.PhotoSet(
            id="set-1",
            last_fingerprint="fp-2",
            photos=[
                photo_pb.Photo(
                    id=f"p{n}", sequence=n, thumbnail_url=f"/objects/photos/t{n}-new.jpg"
                )
                for n in (1, 2)
            ],
        ),
        ListPrints=photo_pb.ListPrintsResponse(
            prints=[
                photo_pb.PrintRecord(
                    fingerprint="fp-2",
                    checklist_warnings=["背面：尚無標示為「背面」的照片"],
                ),
                photo_pb.PrintRecord(fingerprint="fp-1"),
            ]
        ),
        DiffPrints=photo_pb.DiffPrintsResponse(
            changes=[
                photo_pb.PhotoChange(
                    photo_id="p2",
                    change="image_replaced",
                    sequence_before=2,
                    sequence_after=2,
                    thumbnail_url="/objects/photos/t2-new.jpg",
                    thumbnail_before_url="/objects/photos/t2-old.jpg",
                )
            ]
        ),
        GetPhotoSetHistory=photo_pb.GetPhotoSetHistoryResponse(),
    )
    return services


def photo_card(page: str, photo_id: str) -> str:
    start = page.index(f'name="photo_id" value="{photo_id}"')
    card_start = page.rindex('<li class="photo', 0, start)
    return page[card_start:start]


def test_a_replaced_photo_shows_before_and_after_with_the_earlier_reason(clerk, re_review):
    page = clerk.get("/court/reviews/sub-2").get_data(as_text=True)
    card = photo_card(page, "p2")
    assert 'src="/objects/photos/t2-old.jpg"' in card and "更換前" in card
    assert 'src="/objects/photos/t2-new.jpg"' in card and "更換後" in card
    assert "前次退回理由：光線不足：側面過暗" in card
    assert "t2-old" not in photo_card(page, "p1") and "前次退回理由" not in photo_card(page, "p1")
    [listed] = re_review.reviews.requests("ListSubmissions")
    assert (listed.photo_set_id, listed.state) == ("set-1", "rejected")


def test_the_clerk_sees_the_firm_printed_while_the_checklist_warned(clerk, re_review):
    page = clerk.get("/court/reviews/sub-2").get_data(as_text=True)
    assert "鑑估價公司列印時，照片檢核仍有以下提醒" in page
    assert "背面：尚無標示為「背面」的照片" in page


def test_rejecting_asks_for_confirmation_as_approving_does(clerk, re_review):
    page = clerk.get("/court/reviews/sub-2").get_data(as_text=True)
    reject = page[page.index('value="reject"') - 200 : page.index('value="reject"') + 200]
    approve = page[page.index('value="approve"') - 100 : page.index('value="approve"') + 200]
    assert "data-confirm=" in approve
    assert 'data-confirm="確定審核不通過？' in reject


def test_the_api_detail_carries_the_earlier_reasons_and_both_thumbnails(client, re_review):
    detail = client.get("/api/v1/submissions/sub-2", headers=BEARER).get_json()
    assert detail["previous_reasons"] == [
        {
            "photo_id": "p2",
            "sequence": 2,
            "reason_code": "",
            "label": "光線不足",
            "text": "側面過暗",
        }
    ]
    [change] = detail["changes_since_rejection"]
    assert change["thumbnail_before_url"] == "/objects/photos/t2-old.jpg"
    assert detail["prints"][0]["checklist_warnings"] == ["背面：尚無標示為「背面」的照片"]

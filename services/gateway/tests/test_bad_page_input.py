"""Pages take numbers from forms and query strings too: one that no service can take
(beyond the contracts' int32) is a zh-TW refusal or the lenient default, never a 500."""

from __future__ import annotations

import pytest

from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb
from jes.review_workflow.v1 import review_workflow_pb2 as review_pb

HUGE = str(2**31)  # one more than int32 holds
SET_ID = "s1"


def test_a_huge_case_number_in_the_public_lookup_is_refused(client, services):
    reply = client.get(f"/public?court_code=TPD&year=107&word=司執&number={HUGE}")
    assert reply.status_code == 400
    assert services.photos.calls == []


def test_a_huge_number_in_the_open_set_form_is_refused_per_field(firm, services, form_post):
    services.photos.replies["ListPhotoSets"] = photo_pb.ListPhotoSetsResponse()  # the page's list
    reply = form_post(
        firm,
        "/photos/open",
        {"court_code": "TPD", "division": "甲", "year": "107", "word": "司執", "number": HUGE},
    )
    assert reply.status_code == 400
    # under the 號 box, with the range a case number has (issue 13: not the int32 range)
    assert (
        '<span id="e-number" class="field-error">案號號數錯誤：2147483648，號數須為 1 至 9999999'
        in (reply.get_data(as_text=True))
    )
    assert services.photos.requests("OpenPhotoSet") == []


def test_a_huge_version_in_a_page_form_is_a_400(firm, services, form_post):
    reply = form_post(firm, f"/photos/sets/{SET_ID}/print", {"expected_version": HUGE})
    assert reply.status_code == 400
    assert services.photos.calls == []


@pytest.mark.parametrize("page", [HUGE, "99999999999999999999"])
def test_a_huge_page_number_is_the_last_page_a_service_can_take(clerk, services, page):
    services.reviews.replies["ListSubmissions"] = review_pb.ListSubmissionsResponse()
    reply = clerk.get(f"/court/reviews?page={page}")
    assert reply.status_code == 200
    [asked] = services.reviews.requests("ListSubmissions")
    assert asked.page == 2**31 - 1


def test_a_huge_page_of_the_firms_sets(firm, services):
    services.photos.replies["ListPhotoSets"] = photo_pb.ListPhotoSetsResponse()
    assert firm.get(f"/photos/?page={HUGE}").status_code == 200


@pytest.mark.parametrize("sent", [{"csrf_token": "權杖"}, {"csrf_token": "é"}])
def test_a_non_ascii_csrf_token_is_refused_as_a_wrong_one(client, sent):
    """hmac.compare_digest takes no non-ASCII text: that was a 500, not a refusal."""
    reply = client.post("/logout", data=sent)
    assert reply.status_code == 403
    assert "網頁已逾時或來源不明" in reply.get_data(as_text=True)


def test_a_non_ascii_csrf_header_is_refused_as_a_wrong_one(client):
    reply = client.post("/logout", headers={"X-CSRF-Token": "é"})
    assert reply.status_code == 403


def test_a_non_ascii_object_signature_is_not_found(client):
    assert client.get("/objects/photos/sets/1/report.jpg?exp=9999999999&sig=é").status_code == 404

"""Public viewing (照片公開查詢) against a fake photo-storage, page and API."""

from __future__ import annotations

import pytest

from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb


def approved_set() -> photo_pb.PhotoSet:
    return photo_pb.PhotoSet(
        court_code="TPD",
        division="乙",
        case_number=photo_pb.CaseNumber(year=107, word="司執", number=999),
        case_number_text="107年度司執字第999號",
        batch=1,
        firm_name="must not be shown",
        photos=[
            photo_pb.Photo(
                sequence=1,
                placement=photo_pb.PLACEMENT_INDOOR,
                description="客廳",
                public_url="/objects/photos/public/1.jpg",
            )
        ],
    )


@pytest.fixture
def photos(services):
    services.photos.replies["FindPublicPhotoSets"] = photo_pb.FindPublicPhotoSetsResponse(
        photo_sets=[approved_set()]
    )
    return services.photos


def test_the_empty_form_asks_nothing(client, photos):
    page = client.get("/public").get_data(as_text=True)
    assert "照片公開查詢" in page and "臺灣臺北地方法院" in page
    assert photos.calls == []


def test_lookup_shows_public_copies_without_login(client, photos):
    reply = client.get("/public?court_code=TPD&year=107&word=司執&number=999")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert 'href="/objects/photos/public/1.jpg"' in page and "客廳" in page and "室內" in page
    assert "must not be shown" not in page
    [asked] = photos.requests("FindPublicPhotoSets")
    assert asked.court_code == "TPD" and (asked.case_number.year, asked.case_number.number) == (
        107,
        999,
    )
    assert photos.tokens("FindPublicPhotoSets") == [None]


def test_full_width_digits_are_fine(client, photos):
    assert (
        client.get("/public?court_code=tpd&year=１０７&word=司執&number=９９９").status_code == 200
    )
    [asked] = photos.requests("FindPublicPhotoSets")
    assert (asked.court_code, asked.case_number.year) == ("TPD", 107)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("court_code=XXX&year=107&word=司執&number=1", "查無法院代碼"),
        ("court_code=&year=107&word=司執&number=1", "請選擇法院"),
        ("court_code=TPD&year=abc&word=司執&number=1", "請輸入年度"),
        ("court_code=TPD&year=107&word=abc&number=1", "案號字別錯誤"),
        ("court_code=TPD&year=1000&word=司執&number=1", "案號年度錯誤"),
    ],
)
def test_invalid_lookups_get_the_zh_tw_message(client, photos, query, message):
    reply = client.get(f"/public?{query}")
    assert reply.status_code == 400 and message in reply.get_data(as_text=True)
    api = client.get(f"/api/v1/public/photo-sets?{query}")
    assert api.status_code == 400 and message in str(api.get_json()["fields"])
    assert photos.calls == []


def test_nothing_found_says_so(client, services):
    services.photos.replies["FindPublicPhotoSets"] = photo_pb.FindPublicPhotoSetsResponse()
    page = client.get("/public?court_code=KLD&year=110&word=司執&number=5").get_data(as_text=True)
    assert "查無" in page and "臺灣基隆地方法院" in page and "110年度司執字第5號" in page


def test_api_returns_only_public_fields(client, photos):
    reply = client.get("/api/v1/public/photo-sets?court_code=TPD&year=107&word=司執&number=999")
    assert reply.status_code == 200
    [photo_set] = reply.get_json()["photo_sets"]
    assert "firm_name" not in photo_set and "id" not in photo_set
    assert photo_set["photos"] == [
        {
            "sequence": 1,
            "placement": "indoor",
            "auction_target": "",
            "description": "客廳",
            "url": "/objects/photos/public/1.jpg",
        }
    ]


def test_lookups_are_rate_limited_per_client(client, photos):
    path = "/public?court_code=TPD&year=107&word=司執&number=999"
    statuses = [client.get(path).status_code for _ in range(60)]
    assert set(statuses) == {200}
    assert client.get(path).status_code == 429
    assert client.get("/api/v1/public/photo-sets?court_code=TPD").status_code == 429
    assert client.get("/public").status_code == 200  # the empty form is not a lookup


def test_every_wrong_part_is_reported_at_once(client, photos):
    reply = client.get("/public?court_code=ZZZ&year=abc&word=x&number=0")
    fields = client.get("/api/v1/public/photo-sets?court_code=ZZZ&year=abc&word=x&number=0")
    assert set(fields.get_json()["fields"]) == {"court_code", "year", "word", "number"}
    page = reply.get_data(as_text=True)
    for message in ("查無法院代碼", "請輸入年度", "案號字別錯誤", "案號號數錯誤"):
        assert message in page

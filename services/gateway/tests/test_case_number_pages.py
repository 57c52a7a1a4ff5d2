"""Issue 13 finding 2: case numbers as people paste them, every problem beside its own
box, and a warning before a second set of a case under another 股別."""

from __future__ import annotations

import re

import pytest

from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb

FORM = {"division": "甲", "year": "", "word": "", "number": "", "batch": "1", "action": "query"}


def a_set(division: str, batch: int = 1, set_id: str = "s1") -> photo_pb.PhotoSet:
    return photo_pb.PhotoSet(
        id=set_id,
        division=division,
        batch=batch,
        case_number=photo_pb.CaseNumber(year=114, word="司執", number=12345),
        case_number_text="114年度司執字第12345號",
        status=photo_pb.PHOTO_SET_STATUS_APPROVED,
    )


@pytest.fixture
def photos(services):
    services.photos.replies["ListPhotoSets"] = photo_pb.ListPhotoSetsResponse()
    services.photos.replies["OpenPhotoSet"] = a_set("甲")
    return services.photos


def error_under(page: str, box: str) -> str:
    """The error shown right under one box (its aria-describedby target)."""
    found = re.search(rf'<span id="e-{box}" class="field-error">([^<]*)</span>', page)
    assert found, f"no error under {box}"
    assert f'aria-describedby="e-{box}"' in page
    return found.group(1)


@pytest.mark.parametrize(
    "boxes",
    [
        {"year": "114年度司執字第12345號"},
        {"word": "114年度司執字第12345號"},
        {"number": "114.司執.12345"},
        {"year": "114 司執 12345"},
        {"year": "１１４", "word": "司執", "number": "１２３４５"},
        {"year": "114年度", "word": "司執字", "number": "第12345號"},
    ],
)
def test_the_query_form_takes_what_people_paste(firm, photos, form_post, boxes):
    reply = form_post(firm, "/photos/open", {**FORM, **boxes})
    assert reply.status_code == 303, reply.get_data(as_text=True)
    [asked] = photos.requests("OpenPhotoSet")
    case = asked.case_number
    assert (case.year, case.word, case.number) == (114, "司執", 12345)


def test_sijizi_in_the_word_box_never_makes_a_sijizizi_set(firm, photos, form_post):
    form_post(
        firm,
        "/photos/open",
        {**FORM, "year": "114", "word": "司執字", "number": "5", "action": "create"},
    )
    [asked] = photos.requests("OpenPhotoSet")
    assert asked.case_number.word == "司執"


def test_every_wrong_box_gets_its_own_message_under_it(firm, photos, form_post):
    reply = form_post(
        firm,
        "/photos/open",
        {**FORM, "division": "", "year": "1140", "word": "ABC", "number": "12x"},
    )
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert "1140" in error_under(page, "year") and "年度" in error_under(page, "year")
    assert "ABC" in error_under(page, "word") and "字別" in error_under(page, "word")
    assert "12x" in error_under(page, "number")
    assert "股別" in error_under(page, "division")
    assert photos.requests("OpenPhotoSet") == []


@pytest.mark.parametrize("batch", ["1000000000000", "0", "100", "x"])
def test_a_batch_out_of_range_gets_a_message_about_the_batch(firm, photos, form_post, batch):
    reply = form_post(
        firm, "/photos/open", {**FORM, "year": "114", "word": "司執", "number": "1", "batch": batch}
    )
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert "批次須為 1 至 99" in error_under(page, "batch")
    assert "案號格式錯誤" not in page and "數值超出範圍" not in page
    assert photos.requests("OpenPhotoSet") == []


def test_a_second_set_under_another_division_is_shown_and_needs_confirmation(
    firm, photos, form_post
):
    photos.replies["ListPhotoSets"] = photo_pb.ListPhotoSetsResponse(
        photo_sets=[a_set("甲", set_id="first")], total=1
    )
    wanted = {
        **FORM,
        "division": "乙",
        "year": "114",
        "word": "司執",
        "number": "12345",
        "action": "create",
    }
    reply = form_post(firm, "/photos/open", wanted)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert photos.requests("OpenPhotoSet") == []
    [listed] = [r for r in photos.requests("ListPhotoSets") if r.HasField("case_number")]
    assert (listed.case_number.year, listed.case_number.word, listed.case_number.number) == (
        114,
        "司執",
        12345,
    )
    assert "貴公司已有此案號在其他股別的照片" in page
    assert 'href="/photos/sets/first"' in page and "甲股 114年度司執字第12345號" in page
    assert "確定在乙股另建" in page and 'name="confirm_other_division" value="1"' in page

    photos.replies["OpenPhotoSet"] = a_set("乙", set_id="second")
    confirmed = form_post(firm, "/photos/open", {**wanted, "confirm_other_division": "1"})
    assert confirmed.status_code == 303
    [asked] = photos.requests("OpenPhotoSet")
    assert asked.confirm_other_division and asked.create and asked.division == "乙"


def test_the_same_division_opens_without_asking(firm, photos, form_post):
    photos.replies["ListPhotoSets"] = photo_pb.ListPhotoSetsResponse(photo_sets=[a_set("甲")])
    reply = form_post(
        firm,
        "/photos/open",
        {**FORM, "year": "114", "word": "司執", "number": "12345", "action": "create"},
    )
    assert reply.status_code == 303
    assert not photos.requests("OpenPhotoSet")[0].confirm_other_division


# -- the public lookup ----------------------------------------------------------------------


@pytest.fixture
def public_photos(services):
    services.photos.replies["FindPublicPhotoSets"] = photo_pb.FindPublicPhotoSetsResponse()
    return services.photos


@pytest.mark.parametrize(
    "query",
    [
        "year=114年度司執字第12345號",
        "word=114.司執.12345",
        "year=114&word=司執字&number=第12345號",
        "year=114+司執+12345",
    ],
)
def test_the_public_lookup_takes_what_people_paste(client, public_photos, query):
    reply = client.get(f"/public?court_code=TPD&{query}&asked=1")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200, page
    [asked] = public_photos.requests("FindPublicPhotoSets")
    assert (asked.case_number.year, asked.case_number.word, asked.case_number.number) == (
        114,
        "司執",
        12345,
    )
    assert "114年度司執字第12345號" in page and "司執字字" not in page


def test_the_public_lookup_sent_empty_says_what_to_fill_in(client, public_photos):
    reply = client.get("/public?court_code=&year=&word=&number=&asked=1")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert "請選擇法院" in page
    assert "請輸入年度" in error_under(page, "year")
    assert "請輸入字別" in error_under(page, "word")
    assert "請輸入號" in error_under(page, "number")
    assert public_photos.calls == []


def test_the_public_lookup_puts_each_message_under_its_box(client, public_photos):
    page = client.get("/public?court_code=TPD&year=1140&word=ABC&number=12x&asked=1").get_data(
        as_text=True
    )
    assert "1140" in error_under(page, "year")
    assert "ABC" in error_under(page, "word")
    assert "12x" in error_under(page, "number")

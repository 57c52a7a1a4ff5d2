"""PhotoStorageService through a real gRPC server, as the gateway calls it: opening,
reading, listing and uploading; printing basics."""

from __future__ import annotations

import hashlib
import io
import json
import os

import grpc
import pytest
from PIL import Image

from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes_grpckit import field_violations
from jes_grpckit.streams import CHUNK_BYTES
from jes_objectstore import FileStore
from jes_photo_storage.domain.validation import current_roc_year
from jes_photo_storage.images import MAX_UPLOAD_BYTES, process
from jes_photo_storage.models import PhotoSet
from jes_photo_storage.storage import BUCKET
from jes_zhtw import case_word_problem
from support.images import jpeg, png

# -- OpenPhotoSet ---------------------------------------------------------------------------


def test_open_creates_a_draft_set_for_the_firm(service):
    opened = service.open_set(division=" 甲 ", batch=2)
    assert opened.id
    assert opened.court_code == "TPD"
    assert opened.division == "甲"
    assert opened.batch == 2
    assert opened.firm_account_id == "firm-1"
    assert opened.status == pb.PHOTO_SET_STATUS_DRAFT
    assert opened.version == 1
    assert list(opened.photos) == []
    assert opened.case_number_text == f"112年度司執字第{opened.case_number.number}號"
    assert opened.changed_since_print is False
    assert opened.last_fingerprint == ""
    assert service.photo_set_row(opened.id).firm_name == "大華估價"


def test_open_without_create_does_not_make_a_set(service):
    request = service.open_request(create=False)
    with pytest.raises(grpc.RpcError) as caught:
        service.client().call("OpenPhotoSet", request)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    request.create = True
    created = service.client().call("OpenPhotoSet", request)
    request.create = False
    assert service.client().call("OpenPhotoSet", request).id == created.id


def test_empty_court_means_the_firms_own_court(service):
    kld_firm = service.client(service.firm_token("firm-kld", court="KLD"))
    assert service.open_set(kld_firm, court_code="").court_code == "KLD"


def test_latin_case_word_is_refused_as_jes_zhtw_refuses_it(service):
    """Was accepted (issue 8): such a set could be printed but never reviewed or found."""
    with pytest.raises(grpc.RpcError) as caught:
        service.open_set(case_number=pb.CaseNumber(year=112, word="ABC", number=5))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(caught.value) == {"case_number.word": case_word_problem("ABC")}


def test_batch_defaults_to_one(service):
    assert service.open_set(batch=0).batch == 1


def test_same_key_returns_the_same_set(service):
    request = service.open_request()
    client = service.client()
    first = client.call("OpenPhotoSet", request)
    again = client.call("OpenPhotoSet", request)
    assert again.id == first.id


def test_another_batch_is_another_set(service):
    request = service.open_request(batch=1)
    first = service.client().call("OpenPhotoSet", request)
    request.batch = 2
    assert service.client().call("OpenPhotoSet", request).id != first.id


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"court_code": "XXX"}, "court_code"),
        ({"division": "  "}, "division"),
        ({"division": "股" * 21}, "division"),
        ({"case_number": pb.CaseNumber(year=0, word="司執", number=1)}, "case_number.year"),
        (
            {"case_number": pb.CaseNumber(year=current_roc_year() + 2, word="司執", number=1)},
            "case_number.year",
        ),
        ({"case_number": pb.CaseNumber(year=112, word="", number=1)}, "case_number.word"),
        ({"case_number": pb.CaseNumber(year=112, word="司執1", number=1)}, "case_number.word"),
        ({"case_number": pb.CaseNumber(year=112, word="字" * 11, number=1)}, "case_number.word"),
        ({"case_number": pb.CaseNumber(year=112, word="司執", number=0)}, "case_number.number"),
        (
            {"case_number": pb.CaseNumber(year=112, word="司執", number=10_000_000)},
            "case_number.number",
        ),
        ({"batch": 100}, "batch"),
    ],
)
def test_open_validation_names_the_bad_field(service, overrides, field):
    with pytest.raises(grpc.RpcError) as caught:
        service.open_set(**overrides)
    error = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "查詢條件有誤"
    assert set(field_violations(error)) == {field}


def test_open_reports_every_bad_field_at_once(service):
    with pytest.raises(grpc.RpcError) as caught:
        service.open_set(
            court_code="XXX",
            division="",
            case_number=pb.CaseNumber(year=0, word="x-1", number=0),
            batch=100,
        )
    assert field_violations(caught.value) == {
        "court_code": "找不到此法院",
        "division": "請輸入股別",
        "case_number.year": f"年度須為 1 至 {current_roc_year() + 1} 的民國年",
        "case_number.word": case_word_problem("x-1"),
        "case_number.number": "號數須為 1 至 9999999",
        "batch": "批次須為 1 至 99",
    }


def test_set_of_another_firm_cannot_be_created_and_is_not_found(service):
    request = service.open_request()
    service.client().call("OpenPhotoSet", request)
    other = service.client(service.firm_token("firm-2"))
    with pytest.raises(grpc.RpcError) as caught:
        other.call("OpenPhotoSet", request)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    request.create = False
    with pytest.raises(grpc.RpcError) as caught:
        other.call("OpenPhotoSet", request)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_firm_of_another_court_is_permission_denied(service):
    kld_firm = service.client(service.firm_token("firm-kld", court="KLD"))
    with pytest.raises(grpc.RpcError) as caught:
        service.open_set(kld_firm, court_code="TPD")
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize("caller", ["clerk", "review-workflow"])
def test_only_firms_open_sets(service, caller):
    client = service.clerk() if caller == "clerk" else service.review_workflow()
    with pytest.raises(grpc.RpcError) as caught:
        service.open_set(client)
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_calls_without_a_token_are_unauthenticated(service):
    anonymous = service.as_module("gateway")
    with pytest.raises(grpc.RpcError) as caught:
        service.open_set(anonymous)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


# -- GetPhotoSet ----------------------------------------------------------------------------


def test_get_returns_the_set_with_its_photos_and_presigned_urls(service):
    opened = service.open_set()
    photo = service.upload(opened.id)
    got = service.get(opened.id)
    assert got.id == opened.id
    assert [p.id for p in got.photos] == [photo.id]
    assert (got.photo_count, got.page, got.page_count) == (1, 0, 1)
    [shown] = got.photos
    for url, key in (
        (shown.thumbnail_url, shown.thumbnail_key),
        (shown.image_url, shown.report_key),
        (shown.public_url, shown.public_key),
    ):
        assert f"/objects/{BUCKET}/{key}?exp=" in url
    assert shown.content_type == "image/jpeg"


def test_get_of_another_firms_set_is_not_found(service):
    opened = service.open_set()
    other = service.client(service.firm_token("firm-2"))
    with pytest.raises(grpc.RpcError) as caught:
        service.get(opened.id, other)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert caught.value.details() == "找不到這組照片"


def test_firm_a_cannot_see_firm_bs_set_by_any_read(service):
    firm_b = service.client(service.firm_token("firm-b", name="B 估價"))
    opened = service.open_set(firm_b)
    service.upload(opened.id, client=firm_b)
    service.print_set(opened.id, firm_b)
    firm_a = service.client(service.firm_token("firm-a"))
    for method, request in (
        ("GetPhotoSet", pb.GetPhotoSetRequest(photo_set_id=opened.id)),
        ("ListPrints", pb.ListPrintsRequest(photo_set_id=opened.id)),
        ("GetPhotoSetHistory", pb.GetPhotoSetHistoryRequest(photo_set_id=opened.id)),
        (
            "DiffPrints",
            pb.DiffPrintsRequest(
                photo_set_id=opened.id,
                from_fingerprint=service.get(opened.id, firm_b).last_fingerprint,
            ),
        ),
    ):
        with pytest.raises(grpc.RpcError) as caught:
            firm_a.call(method, request)
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND, method
    listed = firm_a.call("ListPhotoSets", pb.ListPhotoSetsRequest())
    assert (list(listed.photo_sets), listed.total) == ([], 0)


def test_firm_token_of_another_court_does_not_reach_its_own_account_s_set(service):
    opened = service.open_set()  # firm-1 in TPD
    same_firm_in_kld = service.client(service.firm_token("firm-1", court="KLD"))
    with pytest.raises(grpc.RpcError) as caught:
        service.get(opened.id, same_firm_in_kld)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_clerk_reads_the_sets_of_their_court_only(service):
    opened = service.open_set()
    service.upload(opened.id)
    assert [p.sequence for p in service.get(opened.id, service.clerk("TPD")).photos] == [1]
    with pytest.raises(grpc.RpcError) as caught:
        service.get(opened.id, service.clerk("KLD"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_admin_reads_any_court(service):
    opened = service.open_set()
    admin = service.client(service.issuer.issue("admin", roles=["admin"]))
    assert service.get(opened.id, admin).id == opened.id


@pytest.mark.parametrize("caller", ["user", "other-service", "review-workflow"])
def test_others_may_not_read_sets(service, caller):
    opened = service.open_set()
    client = {
        "user": lambda: service.client(service.issuer.issue("citizen", roles=["user"])),
        "other-service": lambda: service.as_module("case-sync"),
        "review-workflow": lambda: service.as_module("review-workflow"),
    }[caller]()
    with pytest.raises(grpc.RpcError) as caught:
        service.get(opened.id, client)
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_pagination_numbers(service):
    opened = service.open_set()
    photos = [service.upload(opened.id, jpeg(64, 48, color=(i * 40, 10, 10))) for i in range(5)]
    first = service.get(opened.id, page=1, page_size=2)
    assert (first.photo_count, first.page, first.page_count) == (5, 1, 3)
    assert [p.id for p in first.photos] == [photos[0].id, photos[1].id]
    last = service.get(opened.id, page=3, page_size=2)
    assert [p.id for p in last.photos] == [photos[4].id]
    beyond = service.get(opened.id, page=9, page_size=2)
    assert (beyond.page, [p.id for p in beyond.photos]) == (3, [photos[4].id])
    before_first = service.get(opened.id, page=0, page_size=2)
    assert before_first.page == 1
    everything = service.get(opened.id)
    assert (everything.photo_count, everything.page, len(everything.photos)) == (5, 0, 5)


def test_pagination_of_an_empty_set_is_page_one_of_one(service):
    got = service.get(service.open_set().id, page=1, page_size=10)
    assert (got.photo_count, got.page, got.page_count) == (0, 1, 1)


def test_duplicate_flags_photos_with_the_same_content_even_across_pages(service):
    opened = service.open_set()
    first = service.upload(opened.id, jpeg(64, 48))
    other = service.upload(opened.id, jpeg(64, 48, color=(1, 2, 3)))
    again = service.upload(opened.id, jpeg(64, 48))
    assert (first.duplicate, other.duplicate, again.duplicate) == (False, False, True)
    flags = {p.id: p.duplicate for p in service.get(opened.id).photos}
    assert flags == {first.id: True, other.id: False, again.id: True}
    [on_page_one] = service.get(opened.id, page=1, page_size=1).photos
    assert on_page_one.id == first.id and on_page_one.duplicate


# -- checklist ------------------------------------------------------------------------------


def checklist_of(photo_set: pb.PhotoSet) -> dict[str, tuple[bool, str]]:
    return {pb.View.Name(item.view): (item.satisfied, item.warning) for item in photo_set.checklist}


def test_checklist_warns_of_each_missing_view(service):
    opened = service.open_set()
    service.upload(opened.id, views=[pb.VIEW_FRONT, pb.VIEW_ROAD])
    service.upload(opened.id, views=[pb.VIEW_INTERIOR])
    got = service.get(opened.id)
    assert [item.label for item in got.checklist] == [
        "室內",
        "正面",
        "背面",
        "左側面",
        "右側面",
        "臨路狀況",
    ]
    assert checklist_of(got) == {
        "VIEW_INTERIOR": (True, ""),
        "VIEW_FRONT": (True, ""),
        "VIEW_BACK": (False, "尚無標示為「背面」的照片"),
        "VIEW_LEFT_SIDE": (False, "尚無標示為「左側面」的照片"),
        "VIEW_RIGHT_SIDE": (False, "尚無標示為「右側面」的照片"),
        "VIEW_ROAD": (True, ""),
    }


def test_photos_uploaded_as_indoor_satisfy_the_interior_item(service):
    """Issue 13 finding 1: the placement field counts for the checklist."""
    opened = service.open_set()
    service.upload(opened.id, placement=pb.PLACEMENT_INDOOR)
    service.upload(opened.id, placement=pb.PLACEMENT_INDOOR)
    interior = service.get(opened.id).checklist[0]
    assert interior.view == pb.VIEW_INTERIOR
    assert (interior.satisfied, interior.warning, list(interior.sequences)) == (True, "", [1, 2])
    back = service.get(opened.id).checklist[2]
    assert not back.satisfied and "拍攝內容" in back.hint


@pytest.mark.parametrize(
    ("property_type", "needs_addons"),
    [
        (pb.PROPERTY_TYPE_GROUND_FLOOR, True),
        (pb.PROPERTY_TYPE_TOP_FLOOR, True),
        (pb.PROPERTY_TYPE_DETACHED, True),
        (pb.PROPERTY_TYPE_OTHER, False),
        (pb.PROPERTY_TYPE_UNSPECIFIED, False),
    ],
)
def test_addons_view_is_required_for_ground_floor_top_floor_and_detached(
    service, property_type, needs_addons
):
    opened = service.open_set()
    service.upload(opened.id)
    updated = service.client().call(
        "UpdatePhotoSet",
        pb.UpdatePhotoSetRequest(
            photo_set_id=opened.id, expected_version=2, property_type=property_type
        ),
    )
    assert updated.property_type == property_type
    items = checklist_of(updated)
    assert ("VIEW_ADDONS" in items) == needs_addons
    if needs_addons:
        assert items["VIEW_ADDONS"] == (False, "一樓、頂樓或透天厝須有能判斷有無增建的照片")
        service.upload(opened.id, views=[pb.VIEW_ADDONS])
        assert checklist_of(service.get(opened.id))["VIEW_ADDONS"] == (True, "")


# -- ListPhotoSets --------------------------------------------------------------------------


def test_firm_lists_its_own_sets_and_clerk_lists_the_courts(service):
    mine = [service.open_set(), service.open_set()]
    firm_2 = service.client(service.firm_token("firm-2"))
    theirs = service.open_set(firm_2)
    kld_firm = service.client(service.firm_token("firm-kld", court="KLD"))
    service.open_set(kld_firm, court_code="KLD")

    listed = service.client().call("ListPhotoSets", pb.ListPhotoSetsRequest())
    assert {s.id for s in listed.photo_sets} == {s.id for s in mine}
    assert (listed.total, listed.page, listed.page_count) == (2, 1, 1)
    assert all(len(s.photos) == 0 for s in listed.photo_sets)

    court = service.clerk("TPD").call("ListPhotoSets", pb.ListPhotoSetsRequest())
    assert {s.id for s in court.photo_sets} == {s.id for s in mine} | {theirs.id}
    with pytest.raises(grpc.RpcError) as caught:
        service.clerk("TPD").call("ListPhotoSets", pb.ListPhotoSetsRequest(court_code="KLD"))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_list_filters_by_status_and_pages(service):
    sets = [service.open_set() for _ in range(3)]
    service.upload(sets[0].id)
    service.print_set(sets[0].id)
    submitted = service.client().call(
        "ListPhotoSets", pb.ListPhotoSetsRequest(statuses=[pb.PHOTO_SET_STATUS_SUBMITTED])
    )
    assert [s.id for s in submitted.photo_sets] == [sets[0].id]
    assert submitted.photo_sets[0].photo_count == 1
    paged = service.client().call("ListPhotoSets", pb.ListPhotoSetsRequest(page=2, page_size=2))
    assert (paged.total, paged.page, paged.page_count, len(paged.photo_sets)) == (3, 2, 2, 1)


# -- UploadPhoto ----------------------------------------------------------------------------


def test_upload_stores_the_original_and_every_derivative(service):
    opened = service.open_set()
    content = jpeg(2400, 1600, gps=True)
    photo = service.upload(
        opened.id,
        content,
        placement=pb.PLACEMENT_OUTDOOR,
        auction_target=" 建地 ",
        description="建物正面",
        remark="備註",
    )
    prefix = f"{opened.id}/{photo.id}"
    assert photo.original_key == f"{prefix}/original"
    assert service.object_keys() == {
        f"{prefix}/original",
        f"{prefix}/thumbnail.jpg",
        f"{prefix}/report.jpg",
        f"{prefix}/public.jpg",
    }
    assert service.get_object(photo.original_key) == content
    assert Image.open(io.BytesIO(service.get_object(photo.thumbnail_key))).size == (320, 213)
    public = Image.open(io.BytesIO(service.get_object(photo.public_key)))
    assert max(public.size) == 1000
    assert not public.getexif().get_ifd(0x8825)
    assert (photo.width, photo.height) == (2400, 1600)
    assert photo.orientation == pb.ORIENTATION_LANDSCAPE
    assert photo.placement == pb.PLACEMENT_OUTDOOR
    assert (photo.auction_target, photo.description, photo.remark) == ("建地", "建物正面", "備註")
    assert photo.sha256 == process(content).sha256
    [row] = service.photos(opened.id)
    assert row.content_type == "image/jpeg"


def test_heic_is_kept_as_jpeg(service):
    pillow_heif = pytest.importorskip("pillow_heif")
    out = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (640, 480), (200, 30, 30))).save(out, format="HEIF")
    photo = service.upload(service.open_set().id, out.getvalue(), filename="IMG_0001.HEIC")
    assert photo.content_type == "image/jpeg"
    stored = Image.open(io.BytesIO(service.get_object(photo.original_key)))
    assert (stored.format, stored.size) == ("JPEG", (640, 480))
    assert photo.sha256 == hashlib.sha256(out.getvalue()).hexdigest()  # of the upload


def test_portrait_photo_by_exif_orientation(service):
    photo = service.upload(service.open_set().id, jpeg(1200, 900, orientation=6))
    assert (photo.width, photo.height) == (900, 1200)
    assert photo.orientation == pb.ORIENTATION_PORTRAIT


def noise_png(width: int, height: int) -> bytes:
    """A PNG that does not compress: about width * height * 3 bytes."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("width", "height"),
    [(700, 500), (1900, 1700)],  # ~1 MB: four chunks in memory; ~9.7 MB: spooled to disk
)
def test_an_upload_in_many_chunks_is_stored_byte_for_byte(service, width, height):
    content = noise_png(width, height)
    assert len(content) > 3 * CHUNK_BYTES
    photo = service.upload(service.open_set().id, content, filename="scan.png")
    assert service.get_object(photo.original_key) == content
    assert photo.sha256 == hashlib.sha256(content).hexdigest()
    assert (photo.width, photo.height) == (width, height)


def test_an_upload_past_the_limit_is_refused_and_leaves_nothing(service):
    opened = service.open_set()
    before = service.object_keys()
    content = jpeg(64, 48) + b"\x00" * MAX_UPLOAD_BYTES
    with pytest.raises(grpc.RpcError) as caught:
        service.upload(opened.id, content)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(caught.value) == {"file": "檔案超過 30 MB 上限"}
    assert service.object_keys() == before
    assert service.photos(opened.id) == []


@pytest.mark.parametrize(
    ("messages", "field"),
    [
        ([pb.UploadPhotoRequest(chunk=b"\xff\xd8")], "photo"),  # no description first
        ([], "photo"),  # nothing at all
        (
            [
                pb.UploadPhotoRequest(photo=pb.NewPhoto()),
                pb.UploadPhotoRequest(chunk=b"\xff\xd8"),
                pb.UploadPhotoRequest(photo=pb.NewPhoto()),  # described twice
            ],
            "photo",
        ),
        (
            [
                pb.UploadPhotoRequest(photo=pb.NewPhoto()),
                pb.UploadPhotoRequest(chunk=b"\x00" * (1024 * 1024 + 1)),
            ],
            "chunk",
        ),
    ],
)
def test_a_malformed_upload_stream_is_refused_and_leaves_nothing(service, messages, field):
    opened = service.open_set()
    for message in messages:
        if message.WhichOneof("part") == "photo":
            message.photo.photo_set_id = opened.id
    with pytest.raises(grpc.RpcError) as caught:
        service.client().call("UploadPhoto", iter(messages))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(caught.value)) == {field}
    assert service.object_keys() == set()
    assert service.photos(opened.id) == []


def test_given_fields_orientation_and_views_are_kept(service):
    photo = service.upload(
        service.open_set().id,
        jpeg(640, 480),
        orientation=pb.ORIENTATION_PORTRAIT,
        views=[pb.VIEW_ROAD, pb.VIEW_FRONT, pb.VIEW_FRONT],
    )
    assert photo.orientation == pb.ORIENTATION_PORTRAIT  # the firm's choice beats detection
    assert list(photo.views) == [pb.VIEW_FRONT, pb.VIEW_ROAD]


def test_upload_at_a_given_sequence_shifts_the_others(service):
    opened = service.open_set()
    first, second = service.upload(opened.id), service.upload(opened.id)
    inserted = service.upload(opened.id, sequence=1)
    assert inserted.sequence == 1
    assert [p.id for p in service.get(opened.id).photos] == [inserted.id, first.id, second.id]
    assert [p.sequence for p in service.get(opened.id).photos] == [1, 2, 3]
    last = service.upload(opened.id, sequence=4)
    assert last.sequence == 4


def test_upload_at_a_sequence_past_the_end_is_refused_and_leaves_nothing(service):
    opened = service.open_set()
    service.upload(opened.id)
    keys = service.object_keys()
    with pytest.raises(grpc.RpcError) as caught:
        service.upload(opened.id, sequence=3)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(caught.value) == {"sequence": "序號須為 1 至 2"}
    assert service.object_keys() == keys


def test_too_long_texts_are_refused_per_field(service):
    with pytest.raises(grpc.RpcError) as caught:
        service.upload(
            service.open_set().id,
            auction_target="地" * 101,
            description="說" * 301,
            remark="備" * 301,
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(caught.value) == {
        "auction_target": "拍賣標的最多 100 個字",
        "description": "說明最多 300 個字",
        "remark": "備註最多 300 個字",
    }
    assert service.object_keys() == set()


def test_upload_checks_the_version_only_when_given(service):
    opened = service.open_set()
    service.upload(opened.id, expected_version=1)
    service.upload(opened.id)  # 0: API clients uploading in parallel
    with pytest.raises(grpc.RpcError) as caught:
        service.upload(opened.id, expected_version=2)
    assert caught.value.code() == grpc.StatusCode.ABORTED
    assert caught.value.details() == "此案件已在其他視窗或由他人修改，請重新整理後再試"
    assert len(service.photos(opened.id)) == 2


def test_a_set_holds_at_most_500_photos(service, monkeypatch: pytest.MonkeyPatch):
    from jes_photo_storage.domain import photos

    assert photos.MAX_PHOTOS_PER_SET == 500
    monkeypatch.setattr(photos, "MAX_PHOTOS_PER_SET", 2)  # the same rule, cheaper to reach
    opened = service.open_set()
    service.upload(opened.id)
    service.upload(opened.id)
    keys = service.object_keys()
    with pytest.raises(grpc.RpcError) as caught:
        service.upload(opened.id)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert caught.value.details() == "每組照片最多 2 張"
    assert service.object_keys() == keys


def test_failed_commit_of_an_upload_leaves_no_object(service, fail_commit):
    opened = service.open_set()
    fail_commit(2)  # the first transaction checks the set, the second adds the photo
    with pytest.raises(grpc.RpcError) as caught:
        service.upload(opened.id)
    assert caught.value.code() == grpc.StatusCode.INTERNAL
    assert service.object_keys() == set()
    assert service.photos(opened.id) == []
    assert service.events(pb.PhotoUploaded) == []
    assert service.photo_set_row(opened.id).version == 1


def test_sequence_increments_and_version_is_bumped(service):
    opened = service.open_set()
    first = service.upload(opened.id)
    second = service.upload(opened.id, png(300, 200))
    assert (first.sequence, second.sequence) == (1, 2)
    got = service.client().call("GetPhotoSet", pb.GetPhotoSetRequest(photo_set_id=opened.id))
    assert [p.sequence for p in got.photos] == [1, 2]
    assert got.version == 3
    assert got.status == pb.PHOTO_SET_STATUS_DRAFT


def test_sequences_are_per_set(service):
    first_set, second_set = service.open_set(), service.open_set()
    service.upload(first_set.id)
    assert service.upload(second_set.id).sequence == 1


@pytest.mark.parametrize(
    "content",
    [b"", b"GIF89a" + b"\x00" * 100, jpeg(640, 480)[:300], b"not a photo"],
    ids=["empty", "gif", "truncated", "text"],
)
def test_bad_image_is_invalid_argument_and_leaves_nothing(service, content: bytes):
    opened = service.open_set()
    with pytest.raises(grpc.RpcError) as caught:
        service.upload(opened.id, content, filename="photo.jpg")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "file" in field_violations(caught.value)
    assert service.object_keys() == set()
    assert service.photos(opened.id) == []
    assert service.events(pb.PhotoUploaded) == []


def test_gif_named_jpg_is_refused_by_content(service):
    gif = io.BytesIO()
    Image.new("RGB", (64, 64)).save(gif, "GIF")
    with pytest.raises(grpc.RpcError) as caught:
        service.upload(service.open_set().id, gif.getvalue(), filename="front.jpg")
    assert field_violations(caught.value) == {"file": "只接受 JPEG、PNG 或 HEIC 格式的照片"}


def test_objects_written_before_a_failure_are_deleted(service, monkeypatch: pytest.MonkeyPatch):
    real_put = FileStore.put
    calls = []

    def failing_put(self, bucket, key, data, content_type):
        calls.append(key)
        if len(calls) == 3:
            raise OSError("disk full")
        real_put(self, bucket, key, data, content_type)

    monkeypatch.setattr(FileStore, "put", failing_put)
    opened = service.open_set()
    with pytest.raises(grpc.RpcError) as caught:
        service.upload(opened.id)
    assert caught.value.code() == grpc.StatusCode.INTERNAL
    assert len(calls) == 3
    assert service.object_keys() == set()
    assert service.photos(opened.id) == []


def test_upload_to_another_firms_set_is_not_found(service):
    opened = service.open_set()
    other = service.client(service.firm_token("firm-2"))
    with pytest.raises(grpc.RpcError) as caught:
        service.upload(opened.id, client=other)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert service.object_keys() == set()


def test_upload_to_an_unknown_set_is_not_found(service):
    with pytest.raises(grpc.RpcError) as caught:
        service.upload("no-such-set")
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_upload_to_an_approved_set_is_failed_precondition(service):
    opened = service.open_set()
    with service.kit.db.transaction() as session:
        session.get(PhotoSet, opened.id).status = "approved"
    with pytest.raises(grpc.RpcError) as caught:
        service.upload(opened.id)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert caught.value.details() == "已通過法院審核的案件無法再修改"
    assert service.object_keys() == set()


def test_every_upload_writes_one_photo_uploaded_event(service):
    opened = service.open_set()
    photos = [service.upload(opened.id), service.upload(opened.id)]
    events = service.events(pb.PhotoUploaded)
    assert [e.photo.id for _, e in events] == [p.id for p in photos]
    for envelope, event in events:
        assert envelope.subject == opened.id
        assert envelope.source == "photo-storage"
        assert event.court_code == "TPD"


# -- PrintPhotoSet --------------------------------------------------------------------------


def print_set(service, photo_set_id: str, client=None) -> pb.PrintPhotoSetResponse:
    return (client or service.client()).call(
        "PrintPhotoSet", pb.PrintPhotoSetRequest(photo_set_id=photo_set_id)
    )


def test_print_submits_the_set_and_keeps_a_print(service, fakes):
    opened = service.open_set(
        case_number=pb.CaseNumber(year=107, word="司執", number=999), division="乙"
    )
    photo = service.upload(
        opened.id, placement=pb.PLACEMENT_INDOOR, auction_target="建物", views=[pb.VIEW_FRONT]
    )
    printed = print_set(service, opened.id)

    assert printed.photo_set.status == pb.PHOTO_SET_STATUS_SUBMITTED
    assert printed.photo_set.last_fingerprint == printed.fingerprint
    assert printed.photo_set.changed_since_print is False
    assert printed.photo_set.HasField("last_printed_at")
    assert printed.pages == 1
    assert len(printed.fingerprint) == 64
    assert printed.report_url == f"https://reports.test/{printed.report_id}.pdf"
    [request] = fakes.render.requests
    assert request.photo_set_id == opened.id
    assert request.court_name == "臺灣臺北地方法院"
    assert request.case_number == "107年度司執字第999號"
    assert request.division == "乙"
    assert request.firm_name == "大華估價"
    assert request.fingerprint == printed.fingerprint
    assert request.set_version == printed.photo_set.version
    assert request.printed_by == "firm-1"
    [rendered_photo] = request.photos
    assert rendered_photo.placement == "室內"
    assert rendered_photo.orientation == "橫向"
    assert rendered_photo.auction_target == "建物"
    # the object key, which report-render reads from the store itself: never a URL
    assert rendered_photo.image_key == photo.report_key
    # whose report it is: report-render hands its link to this firm and court only
    assert (request.owner_account_id, request.court_code) == ("firm-1", "TPD")
    # photo-storage called report-render with its own service token, not the firm's
    [caller] = fakes.render.callers
    assert caller.is_service and caller.subject == "photo-storage"

    [kept] = service.prints(opened.id)
    assert kept.report_id == printed.report_id
    assert kept.fingerprint == printed.fingerprint
    assert kept.set_version == printed.photo_set.version
    assert kept.printed_by == "firm-1"
    assert kept.pages == 1
    assert kept.photo_count == 1
    [snapshot] = json.loads(kept.snapshot_json)
    assert snapshot == {
        "id": photo.id,
        "sequence": 1,
        "placement": "indoor",
        "orientation": "landscape",
        "auction_target": "建物",
        "description": "",
        "remark": "",
        "views": ["front"],
        "sha256": photo.sha256,
        "thumbnail_key": photo.thumbnail_key,
    }

    [(envelope, event)] = service.events(pb.PhotoSetSubmitted)
    assert envelope.subject == opened.id
    assert event.report_id == printed.report_id
    assert event.fingerprint == printed.fingerprint
    assert event.previous_fingerprint == ""
    assert event.pages == 1
    assert event.photo_set.status == pb.PHOTO_SET_STATUS_SUBMITTED
    assert event.photo_set.case_number.number == 999
    assert list(event.photo_set.photos) == []


def test_upload_after_print_marks_the_set_changed(service):
    opened = service.open_set()
    service.upload(opened.id)
    printed = print_set(service, opened.id)
    service.upload(opened.id)
    got = service.client().call("GetPhotoSet", pb.GetPhotoSetRequest(photo_set_id=opened.id))
    assert got.status == pb.PHOTO_SET_STATUS_CHANGED_SINCE_PRINT
    assert got.version == printed.photo_set.version + 1


def test_printing_again_after_a_change_gives_a_new_fingerprint(service):
    opened = service.open_set()
    service.upload(opened.id)
    first = print_set(service, opened.id)
    service.upload(opened.id)
    second = print_set(service, opened.id)
    assert second.photo_set.status == pb.PHOTO_SET_STATUS_SUBMITTED
    assert second.fingerprint != first.fingerprint
    assert second.pages == 2
    assert len(service.prints(opened.id)) == 2
    events = [event for _, event in service.events(pb.PhotoSetSubmitted)]
    assert [(e.fingerprint, e.previous_fingerprint) for e in events] == [
        (first.fingerprint, ""),
        (second.fingerprint, first.fingerprint),
    ]


def test_printing_an_unchanged_submitted_set_again_is_refused(service, fakes):
    opened = service.open_set()
    service.upload(opened.id)
    first = print_set(service, opened.id)
    with pytest.raises(grpc.RpcError) as caught:
        print_set(service, opened.id)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert caught.value.details() == "此版本已列印送出"
    assert len(fakes.render.requests) == 1
    assert len(service.events(pb.PhotoSetSubmitted)) == 1
    # the report of that print stays downloadable
    [kept] = (
        service.client().call("ListPrints", pb.ListPrintsRequest(photo_set_id=opened.id)).prints
    )
    assert kept.report_id == first.report_id
    assert kept.report_url == first.report_url


def test_print_checks_the_version_when_given(service, fakes):
    opened = service.open_set()
    service.upload(opened.id)
    with pytest.raises(grpc.RpcError) as caught:
        print_set_at(service, opened.id, 1)
    assert caught.value.code() == grpc.StatusCode.ABORTED
    assert fakes.render.requests == []
    assert print_set_at(service, opened.id, 2).photo_set.status == pb.PHOTO_SET_STATUS_SUBMITTED


def test_the_report_names_the_firm_by_its_account_id(service, fakes):
    """The footer's 列印帳號 is the login name people know (the token's
    preferred_username), not the account's internal id; the print row keeps the id."""
    firm = service.client(
        service.issuer.issue(
            "firm-1", roles=["firm"], court_code="TPD", name="大華估價", username="TPDF0001"
        )
    )
    opened = service.open_set(client=firm)
    service.upload(opened.id, client=firm, placement=pb.PLACEMENT_INDOOR)
    print_set(service, opened.id, client=firm)
    [request] = fakes.render.requests
    assert request.printed_by == "TPDF0001"
    [kept] = service.prints(opened.id)
    assert kept.printed_by == "firm-1"


def print_set_at(service, photo_set_id: str, version: int) -> pb.PrintPhotoSetResponse:
    return service.client().call(
        "PrintPhotoSet",
        pb.PrintPhotoSetRequest(photo_set_id=photo_set_id, expected_version=version),
    )


def test_print_of_an_empty_set_is_failed_precondition(service, fakes):
    opened = service.open_set()
    with pytest.raises(grpc.RpcError) as caught:
        print_set(service, opened.id)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert fakes.render.requests == []


def test_print_of_another_firms_set_is_not_found(service, fakes):
    opened = service.open_set()
    service.upload(opened.id)
    with pytest.raises(grpc.RpcError) as caught:
        print_set(service, opened.id, service.client(service.firm_token("firm-2")))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert fakes.render.requests == []
    assert service.events(pb.PhotoSetSubmitted) == []


def test_change_during_rendering_fails_the_print(service, fakes):
    opened = service.open_set()
    service.upload(opened.id)
    fakes.render.during = lambda: service.upload(opened.id)  # another tab, mid-print
    with pytest.raises(grpc.RpcError) as caught:
        print_set(service, opened.id)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert caught.value.details() == "列印期間照片已被修改，請重新列印"
    assert service.prints(opened.id) == []
    assert service.events(pb.PhotoSetSubmitted) == []
    assert service.photo_set_row(opened.id).status == "draft"


def test_failed_rendering_leaves_the_set_unprinted(service, fakes):
    opened = service.open_set()
    service.upload(opened.id)

    def crash() -> None:
        raise RuntimeError("wkhtmltopdf crashed")

    fakes.render.during = crash
    with pytest.raises(grpc.RpcError) as caught:
        print_set(service, opened.id)
    # jes_grpckit re-raises a downstream RpcError, which grpc reports as UNKNOWN; either way
    # the firm sees a system error, and nothing is recorded as printed
    assert caught.value.code() in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN)
    assert service.prints(opened.id) == []
    assert service.photo_set_row(opened.id).status == "draft"


def test_approved_set_is_not_printed_again(service, fakes):
    opened = service.open_set()
    service.upload(opened.id)
    with service.kit.db.transaction() as session:
        session.get(PhotoSet, opened.id).status = "approved"
    with pytest.raises(grpc.RpcError) as caught:
        print_set(service, opened.id)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert caught.value.details() == "已通過法院審核的案件無法再修改"
    assert fakes.render.requests == []


def test_each_print_tells_the_report_which_print_it_is(service, fakes):
    """Issue 13 finding 4: the report's footer shows 第 N 次列印, so photo-storage counts."""
    opened = service.open_set()
    service.upload(opened.id)
    print_set(service, opened.id)
    service.upload(opened.id)
    print_set(service, opened.id)
    assert [r.print_number for r in fakes.render.requests] == [1, 2]

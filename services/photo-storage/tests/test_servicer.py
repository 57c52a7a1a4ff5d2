"""PhotoStorageService through a real gRPC server, as the gateway calls it."""

from __future__ import annotations

import io

import grpc
import pytest
from PIL import Image

from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes_grpckit import field_violations
from jes_objectstore import FileStore
from jes_photo_storage.images import process
from jes_photo_storage.models import PhotoSet
from jes_photo_storage.servicer import BUCKET
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
    assert service.photo_set_row(opened.id).firm_name == "大華估價"


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
        ({"court_code": ""}, "court_code"),
        ({"division": "  "}, "division"),
        ({"division": "股" * 21}, "division"),
        ({"case_number": pb.CaseNumber(year=0, word="司執", number=1)}, "case_number"),
        ({"case_number": pb.CaseNumber(year=112, word="ABC", number=1)}, "case_number"),
        ({"case_number": pb.CaseNumber(year=112, word="司執", number=0)}, "case_number"),
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
            case_number=pb.CaseNumber(year=0, word="x", number=0),
            batch=100,
        )
    assert set(field_violations(caught.value)) == {"court_code", "division", "case_number", "batch"}


def test_set_of_another_firm_is_failed_precondition(service):
    request = service.open_request()
    service.client().call("OpenPhotoSet", request)
    other = service.client(service.firm_token("firm-2"))
    with pytest.raises(grpc.RpcError) as caught:
        other.call("OpenPhotoSet", request)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_firm_of_another_court_is_permission_denied(service):
    kld_firm = service.client(service.firm_token("firm-kld", court="KLD"))
    with pytest.raises(grpc.RpcError) as caught:
        service.open_set(kld_firm, court_code="TPD")
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_only_firms_open_sets(service):
    clerk = service.client(service.issuer.issue("clerk-1", roles=["clerk"], court_code="TPD"))
    with pytest.raises(grpc.RpcError) as caught:
        service.open_set(clerk)
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_calls_without_a_token_are_unauthenticated(service):
    anonymous = service.client()
    anonymous.token = None
    with pytest.raises(grpc.RpcError) as caught:
        service.open_set(anonymous)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


# -- GetPhotoSet ----------------------------------------------------------------------------


def test_get_returns_the_set_with_its_photos(service):
    opened = service.open_set()
    photo = service.upload(opened.id)
    got = service.client().call("GetPhotoSet", pb.GetPhotoSetRequest(photo_set_id=opened.id))
    assert got.id == opened.id
    assert [p.id for p in got.photos] == [photo.id]


def test_get_of_another_firms_set_is_not_found(service):
    opened = service.open_set()
    other = service.client(service.firm_token("firm-2"))
    with pytest.raises(grpc.RpcError) as caught:
        other.call("GetPhotoSet", pb.GetPhotoSetRequest(photo_set_id=opened.id))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


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
    assert max(public.size) == 1600
    assert not public.getexif().get_ifd(0x8825)
    assert (photo.width, photo.height) == (2400, 1600)
    assert photo.orientation == pb.ORIENTATION_LANDSCAPE
    assert photo.placement == pb.PLACEMENT_OUTDOOR
    assert (photo.auction_target, photo.description, photo.remark) == ("建地", "建物正面", "備註")
    assert photo.sha256 == process(content).sha256
    [row] = service.photos(opened.id)
    assert row.content_type == "image/jpeg"


def test_portrait_photo_by_exif_orientation(service):
    photo = service.upload(service.open_set().id, jpeg(1200, 900, orientation=6))
    assert (photo.width, photo.height) == (900, 1200)
    assert photo.orientation == pb.ORIENTATION_PORTRAIT


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
    assert "content" in field_violations(caught.value)
    assert service.object_keys() == set()
    assert service.photos(opened.id) == []
    assert service.events(pb.PhotoUploaded) == []


def test_gif_named_jpg_is_refused_by_content(service):
    gif = io.BytesIO()
    Image.new("RGB", (64, 64)).save(gif, "GIF")
    with pytest.raises(grpc.RpcError) as caught:
        service.upload(service.open_set().id, gif.getvalue(), filename="front.jpg")
    assert field_violations(caught.value) == {"content": "只接受 JPEG、PNG 或 HEIC 格式的照片"}


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
    photo = service.upload(opened.id, placement=pb.PLACEMENT_INDOOR, auction_target="建物")
    printed = print_set(service, opened.id)

    assert printed.photo_set.status == pb.PHOTO_SET_STATUS_SUBMITTED
    assert printed.pages == 1
    assert len(printed.fingerprint) == 64
    [request] = fakes.render.requests
    assert request.photo_set_id == opened.id
    assert request.court_name == "臺灣臺北地方法院"
    assert request.case_number == "107年度司執字第999號"
    assert request.division == "乙"
    assert request.firm_name == "大華估價"
    assert request.fingerprint == printed.fingerprint
    [rendered_photo] = request.photos
    assert rendered_photo.placement == "室內"
    assert rendered_photo.auction_target == "建物"
    assert f"/objects/{BUCKET}/{opened.id}/{photo.id}/report.jpg?" in rendered_photo.image_url
    # photo-storage called report-render with its own service token, not the firm's
    [caller] = fakes.render.callers
    assert caller.is_service and caller.subject == "photo-storage"

    [kept] = service.prints(opened.id)
    assert kept.report_id == printed.report_id
    assert kept.fingerprint == printed.fingerprint
    assert kept.set_version == printed.photo_set.version
    assert kept.printed_by == "firm-1"
    assert kept.pages == 1

    [(envelope, event)] = service.events(pb.PhotoSetSubmitted)
    assert envelope.subject == opened.id
    assert event.report_id == printed.report_id
    assert event.fingerprint == printed.fingerprint
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
    assert len(service.prints(opened.id)) == 2
    assert len(service.events(pb.PhotoSetSubmitted)) == 2


def test_printing_an_unchanged_set_twice_gives_the_same_fingerprint(service):
    opened = service.open_set()
    service.upload(opened.id)
    assert print_set(service, opened.id).fingerprint == print_set(service, opened.id).fingerprint


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
    assert fakes.render.requests == []

"""Public viewing (俾利民眾查詢): approved sets by court and case number, public copies
only, called without a token."""

from __future__ import annotations

import io
from urllib.parse import unquote, urlparse

import grpc
import pytest
from PIL import Image

from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes_grpckit import field_violations
from jes_photo_storage.storage import BUCKET
from support.images import jpeg

CASE = pb.CaseNumber(year=112, word="司執", number=4321)


def find(service, court_code: str = "TPD", case: pb.CaseNumber = CASE) -> list[pb.PhotoSet]:
    request = pb.FindPublicPhotoSetsRequest(court_code=court_code, case_number=case)
    return list(service.public().call("FindPublicPhotoSets", request).photo_sets)


def approved_set(service, batch: int) -> tuple[pb.PhotoSet, pb.Photo]:
    opened = service.open_set(case_number=CASE, batch=batch)
    photo = service.upload(
        opened.id, jpeg(800, 600, gps=True), description="正面", remark="僅供法院參考"
    )
    printed = service.print_set(opened.id)
    service.decide(opened.id, printed.fingerprint)
    return opened, photo


def key_of(url: str) -> str:
    """The object key a folder-store URL points at (/objects/<bucket>/<key>?...)."""
    path = unquote(urlparse(url).path)
    return path.split(f"/objects/{BUCKET}/", 1)[1]


def test_public_lookup_shows_approved_sets_with_public_copies_only(service):
    approved, photo = approved_set(service, batch=1)
    submitted = service.open_set(case_number=CASE, batch=2)
    service.upload(submitted.id)
    service.print_set(submitted.id)
    service.open_set(case_number=CASE, batch=3)  # a draft

    [found] = find(service)
    assert found.id == approved.id
    assert found.case_number_text == "112年度司執字第4321號"
    assert found.status == pb.PHOTO_SET_STATUS_APPROVED
    assert (found.firm_account_id, found.firm_name, found.last_fingerprint) == ("", "", "")
    [shown] = found.photos
    assert shown.description == "正面"
    assert shown.remark == ""  # the firm's remarks are for the court
    assert shown.public_url
    assert (shown.original_key, shown.report_key, shown.thumbnail_key, shown.public_key) == (
        "",
        "",
        "",
        "",
    )
    assert (shown.thumbnail_url, shown.image_url, shown.sha256) == ("", "", "")
    assert key_of(shown.public_url) == photo.public_key

    # the original kept its GPS (the firm's evidence); the public copy has no metadata
    assert Image.open(io.BytesIO(service.get_object(photo.original_key))).getexif().get_ifd(0x8825)
    public = Image.open(io.BytesIO(service.get_object(key_of(shown.public_url))))
    assert not public.getexif()
    assert "exif" not in public.info


def test_public_lookup_of_another_court_or_case_finds_nothing(service):
    approved_set(service, batch=1)
    assert find(service, "KLD") == []
    assert find(service, case=pb.CaseNumber(year=112, word="司執", number=1)) == []


@pytest.mark.parametrize(
    ("court_code", "case", "field"),
    [
        ("XXX", CASE, "court_code"),
        ("", CASE, "court_code"),
        ("TPD", pb.CaseNumber(year=0, word="司執", number=1), "case_number.year"),
        ("TPD", pb.CaseNumber(year=112, word="", number=1), "case_number.word"),
        ("TPD", pb.CaseNumber(year=112, word="司執", number=0), "case_number.number"),
    ],
)
def test_public_lookup_validates_its_input(service, court_code, case, field):
    with pytest.raises(grpc.RpcError) as caught:
        find(service, court_code, case)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(caught.value)) == {field}


def test_other_methods_still_need_a_token(service):
    with pytest.raises(grpc.RpcError) as caught:
        service.public().call("ListPhotoSets", pb.ListPhotoSetsRequest())
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED

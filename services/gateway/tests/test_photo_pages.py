"""Issue 13 finding 4 on the firm's photo pages: no dead ends."""

from __future__ import annotations

import io

import pytest

from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb

SET_ID, PHOTO_ID = "s1", "p1"


@pytest.fixture
def photos(services):
    services.photos.replies["GetPhoto"] = photo_pb.Photo(
        id=PHOTO_ID, photo_set_id=SET_ID, sequence=2, image_url="/objects/photos/r/2.jpg"
    )
    services.photos.replies["GetPhotoSet"] = photo_pb.PhotoSet(
        id=SET_ID,
        division="甲",
        case_number_text="114年度司執字第12345號",
        batch=1,
        version=7,
        status=photo_pb.PHOTO_SET_STATUS_REJECTED,
    )
    return services.photos


def test_a_too_large_replacement_returns_to_the_photo_with_the_error_beside_the_file(
    firm, photos, app
):
    limit_mb = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    reply = firm.post(
        f"/photos/sets/{SET_ID}/photos/{PHOTO_ID}/image",
        data={
            "csrf_token": "test-csrf-token",
            "expected_version": "7",
            "file": (io.BytesIO(b"\xff" * (33 * 1024 * 1024)), "big.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert reply.status_code == 303
    assert reply.headers["Location"].startswith(f"/photos/sets/{SET_ID}/photos/{PHOTO_ID}/edit")
    page = firm.get(reply.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "照片上傳作業(修改)" in html  # the photo's own page, not the error page
    assert f'id="e-file" class="field-error">檔案超過 {limit_mb} MB 上限' in html
    assert 'aria-describedby="e-file"' in html
    assert photos.requests("ReplacePhotoImage") == []


def test_the_edit_page_tells_the_browser_the_size_limit(firm, photos, app):
    html = firm.get(f"/photos/sets/{SET_ID}/photos/{PHOTO_ID}/edit").get_data(as_text=True)
    assert f'data-max-bytes="{app.config["MAX_CONTENT_LENGTH"]}"' in html

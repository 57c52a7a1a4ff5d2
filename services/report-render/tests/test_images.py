"""Photos scaled for the page: about IMAGE_DPI over their printed size, turned upright."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from jes_report_render import images
from jes_report_render.domain import layout
from jes_report_render.images import ImageError, prepare

HALF = (layout.IMAGE_BOX_WIDTH, layout.HALF_SLOT_HEIGHT)


def encoded(width: int, height: int, fmt: str = "JPEG", orientation: int = 0) -> bytes:
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image = Image.new("RGBA" if fmt == "PNG" else "RGB", (width, height), (90, 120, 150))
    image.save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


def test_a_large_photo_is_cut_down_to_what_the_page_needs(tmp_path):
    needed = images.pixels_for(layout.IMAGE_BOX_WIDTH)  # ~750 px for 13 cm at 150 dpi
    prepared = prepare(encoded(4000, 3000), tmp_path / "a.jpg", HALF)
    assert needed <= prepared.width <= needed * images.OVERSIZE
    assert prepared.height == pytest.approx(prepared.width * 3 / 4, abs=1)
    with Image.open(prepared.path) as written:
        assert written.format == "JPEG" and written.mode == "RGB"
        assert written.size == (prepared.width, prepared.height)


def test_a_1600_px_report_copy_is_decoded_at_half_size(tmp_path):
    prepared = prepare(encoded(1600, 1200), tmp_path / "a.jpg", HALF)
    assert (prepared.width, prepared.height) == (800, 600)


def test_a_small_photo_is_not_enlarged(tmp_path):
    prepared = prepare(encoded(400, 300), tmp_path / "a.jpg", HALF)
    assert (prepared.width, prepared.height) == (400, 300)


def test_a_photo_turned_by_exif_is_upright(tmp_path):
    prepared = prepare(encoded(1600, 1200, orientation=6), tmp_path / "a.jpg", HALF)
    assert prepared.height > prepared.width
    # sized for its printed height: the box is full height for a portrait photo
    assert images.pixels_for(layout.HALF_SLOT_HEIGHT) <= prepared.height


def test_png_becomes_an_rgb_jpeg(tmp_path):
    prepared = prepare(encoded(800, 600, "PNG"), tmp_path / "a.jpg", HALF)
    with Image.open(prepared.path) as written:
        assert (written.format, written.mode) == ("JPEG", "RGB")


def test_what_is_not_a_picture_is_refused(tmp_path):
    with pytest.raises(ImageError, match="無法讀取報告圖片"):
        prepare(b"%PDF-1.4 not a photo", tmp_path / "a.jpg", HALF)


def test_too_many_pixels_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 1000)
    with pytest.raises(ImageError, match="像素過多"):
        prepare(encoded(100, 100), tmp_path / "a.jpg", HALF)

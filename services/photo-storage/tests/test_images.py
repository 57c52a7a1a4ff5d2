"""images.process: what is accepted, what is refused, and what the derivatives look like."""

from __future__ import annotations

import hashlib
import io
import zlib

import pytest
from PIL import Image, ImageFile

from jes_photo_storage import images
from jes_photo_storage.images import (
    MAX_UPLOAD_BYTES,
    PUBLIC_EDGE,
    REPORT_EDGE,
    THUMBNAIL_EDGE,
    ImageRejected,
    process,
)
from support.images import jpeg, png

GPS_IFD = 0x8825
ORIENTATION = 0x0112

UNREADABLE = "無法讀取照片，檔案可能已損毀或不是照片"
WRONG_FORMAT = "只接受 JPEG、PNG 或 HEIC 格式的照片"
TOO_MANY_PIXELS = "照片像素過多，請縮小後再上傳"


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header (IHDR, with a valid CRC) claims width x height pixels."""
    data = bytearray(png(16, 16))
    assert data[12:16] == b"IHDR"
    data[16:20] = width.to_bytes(4, "big")
    data[20:24] = height.to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    return bytes(data)


def size_of(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if any pixel data is decoded."""

    def load(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)


# -- accepted ---------------------------------------------------------------------------


def test_jpeg_is_accepted_with_its_size_and_content_type():
    result = process(jpeg(1200, 900))
    assert (result.format, result.content_type) == ("JPEG", "image/jpeg")
    assert (result.width, result.height) == (1200, 900)
    assert result.landscape


def test_png_is_accepted_with_its_size_and_content_type():
    result = process(png(800, 600))
    assert (result.format, result.content_type) == ("PNG", "image/png")
    assert (result.width, result.height) == (800, 600)


@pytest.mark.parametrize("mode", ["RGBA", "P", "LA", "CMYK"])
def test_other_colour_modes_become_rgb_jpeg_derivatives(mode: str):
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    image = Image.new("RGB", (400, 300), (30, 60, 90)).convert(mode)
    result = process(encoded(image, fmt))
    derived = Image.open(io.BytesIO(result.report))
    assert derived.format == "JPEG"
    assert derived.mode in ("RGB", "L")


def test_heic_is_accepted_when_pillow_heif_can_write_one():
    pillow_heif = pytest.importorskip("pillow_heif")
    out = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (640, 480), (200, 30, 30))).save(out, format="HEIF")
    result = process(out.getvalue())
    assert (result.format, result.content_type) == ("HEIF", "image/heic")
    assert (result.width, result.height) == (640, 480)
    assert Image.open(io.BytesIO(result.public)).format == "JPEG"


def test_multi_frame_camera_jpeg_mpo_is_accepted_as_jpeg():
    """Phones and cameras add MPF frames (previews, gain maps); Pillow calls those MPO."""
    first = Image.new("RGB", (1200, 900), (10, 20, 30))
    second = Image.new("RGB", (320, 240), (200, 200, 200))
    content = encoded(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(content)).format == "MPO"  # the premise
    result = process(content)
    assert (result.format, result.content_type) == ("JPEG", "image/jpeg")
    assert (result.width, result.height) == (1200, 900)


# -- refused by content -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "WEBP"])
def test_other_image_formats_are_refused(fmt: str):
    with pytest.raises(ImageRejected, match=WRONG_FORMAT):
        process(encoded(Image.new("RGB", (100, 100), (1, 2, 3)), fmt))


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
        "鑑估報告：這不是照片".encode(),
        b"\x00" * 1000,
    ],
    ids=["pdf", "text", "zeros"],
)
def test_non_images_are_refused(content: bytes):
    with pytest.raises(ImageRejected, match=UNREADABLE):
        process(content)


def test_empty_upload_is_refused():
    with pytest.raises(ImageRejected, match="檔案是空的"):
        process(b"")


@pytest.mark.parametrize("keep", [2, 200, 0.5, 0.9], ids=["soi", "headers", "half", "most"])
def test_truncated_jpeg_is_refused(keep: float):
    whole = jpeg(1200, 900)
    cut = int(keep) if keep >= 1 else int(len(whole) * keep)
    with pytest.raises(ImageRejected, match=UNREADABLE):
        process(whole[:cut])


def test_jpeg_with_garbage_after_its_headers_is_refused():
    whole = jpeg(1200, 900)
    with pytest.raises(ImageRejected, match=UNREADABLE):
        process(whole[:600] + bytes(range(256)) * 40)


def test_oversized_upload_is_refused_before_reading_it(no_decoding: None):
    with pytest.raises(ImageRejected, match="30 MB"):
        process(jpeg(64, 64) + b"\x00" * MAX_UPLOAD_BYTES)


def test_upload_of_exactly_the_byte_limit_is_accepted():
    small = jpeg(64, 64)
    result = process(small + b"\x00" * (MAX_UPLOAD_BYTES - len(small)))
    assert (result.width, result.height) == (64, 64)


# -- decompression bombs ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "height"),
    [(9_000, 8_000), (10_000, 10_000), (20_000, 20_000)],
    ids=["over-our-limit", "over-pillow-warning", "over-pillow-error"],
)
def test_png_claiming_too_many_pixels_is_refused_without_decoding(
    width: int, height: int, no_decoding: None
):
    with pytest.raises(ImageRejected, match=TOO_MANY_PIXELS):
        process(png_claiming(width, height))


def test_real_one_colour_bomb_is_refused_without_decoding(no_decoding: None):
    # 8000 x 7600 = 60.8 megapixels in about 10 kB: over our limit, under Pillow's
    content = encoded(Image.new("1", (8_000, 7_600)), "PNG")
    assert len(content) < 100_000
    with pytest.raises(ImageRejected, match=TOO_MANY_PIXELS):
        process(content)


def test_pixel_limit_is_inclusive(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 640 * 480)
    assert process(png(640, 480)).width == 640
    with pytest.raises(ImageRejected, match=TOO_MANY_PIXELS):
        process(png(641, 480))


# -- orientation, metadata, derivatives ---------------------------------------------------


@pytest.mark.parametrize(
    ("orientation", "expected"),
    [(1, (1200, 900)), (3, (1200, 900)), (6, (900, 1200)), (8, (900, 1200))],
)
def test_exif_orientation_is_applied(orientation: int, expected: tuple[int, int]):
    result = process(jpeg(1200, 900, orientation=orientation))
    assert (result.width, result.height) == expected
    assert result.landscape is (expected[0] >= expected[1])
    for derivative in (result.thumbnail, result.report, result.public):
        w, h = size_of(derivative)
        assert (w >= h) is result.landscape
        assert ORIENTATION not in Image.open(io.BytesIO(derivative)).getexif()


def test_orientation_of_a_large_jpeg_decoded_in_draft_mode_reports_full_size():
    result = process(jpeg(4000, 3000, orientation=6))
    assert (result.width, result.height) == (3000, 4000)
    assert size_of(result.report) == (1200, 1600)


def test_gps_is_kept_in_the_original_but_absent_from_every_derivative():
    content = jpeg(1200, 900, gps=True)
    assert Image.open(io.BytesIO(content)).getexif().get_ifd(GPS_IFD)  # the premise
    result = process(content)
    for derivative in (result.thumbnail, result.report, result.public):
        exif = Image.open(io.BytesIO(derivative)).getexif()
        assert not exif.get_ifd(GPS_IFD)
        assert len(exif) == 0


@pytest.mark.parametrize(
    ("size", "thumbnail", "report"),
    [
        ((2400, 1600), (320, 213), (1600, 1067)),
        ((1600, 2400), (213, 320), (1067, 1600)),
        ((800, 600), (320, 240), (800, 600)),  # never enlarged
        ((200, 100), (200, 100), (200, 100)),
    ],
)
def test_derivative_sizes(
    size: tuple[int, int], thumbnail: tuple[int, int], report: tuple[int, int]
):
    result = process(jpeg(*size))
    assert size_of(result.thumbnail) == thumbnail
    assert size_of(result.report) == report
    assert size_of(result.public) == report
    assert max(size_of(result.thumbnail)) <= THUMBNAIL_EDGE
    assert max(size_of(result.report)) <= REPORT_EDGE
    assert max(size_of(result.public)) <= PUBLIC_EDGE
    for derivative in (result.thumbnail, result.report, result.public):
        assert Image.open(io.BytesIO(derivative)).format == "JPEG"


def test_sha256_is_of_the_original_bytes():
    content = jpeg(640, 480, gps=True)
    result = process(content)
    assert result.sha256 == hashlib.sha256(content).hexdigest()
    assert result.sha256 != hashlib.sha256(result.public).hexdigest()

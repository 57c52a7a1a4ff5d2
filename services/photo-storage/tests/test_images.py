"""images.process: what is accepted, what is refused, and what the derivatives look like.

Every derivative is checked by reading it back: its size, its pixels at known places,
and its JPEG segments (no metadata of any kind).
"""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import grpc
import pytest
from PIL import Image, ImageCms, ImageFile

from jes_photo_storage import images
from jes_photo_storage.images import (
    MAX_UPLOAD_BYTES,
    PUBLIC_EDGE,
    REPORT_EDGE,
    THUMBNAIL_EDGE,
    Derivatives,
    ImageRejected,
    process,
)
from support.images import camera_exif, heic, jpeg, photo_jpeg, png

GPS_IFD = 0x8825
ORIENTATION = 0x0112

UNREADABLE = "無法讀取照片，檔案可能已損毀或不是照片"
WRONG_FORMAT = "只接受 JPEG、PNG 或 HEIC 格式的照片"
TOO_MANY_PIXELS = "照片像素過多，請縮小後再上傳"
ANIMATED = "不接受動畫圖檔，請上傳單張照片"

RED, GREEN, BLUE, WHITE, GREY = (220, 20, 20), (20, 200, 20), (20, 20, 220), (255,) * 3, (128,) * 3


# -- helpers ------------------------------------------------------------------------------


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def size_of(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


def derivatives(result: Derivatives) -> list[bytes]:
    return [result.thumbnail, result.report, result.public]


def close(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 12) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def jpeg_segments(data: bytes) -> list[int]:
    """The marker of every segment before the image data (SOS), read from the bytes."""
    assert data[:2] == b"\xff\xd8"
    markers, at = [], 2
    while True:
        assert data[at] == 0xFF
        marker = data[at + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            return markers
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        at += 2 + length


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_16bit(width: int, height: int, colour_type: int, pixel: tuple[int, ...]) -> bytes:
    """A 16-bit PNG (Pillow cannot write 16-bit colour), every pixel `pixel`."""
    header = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0)
    row = b"\x00" + struct.pack(f">{len(pixel)}H", *pixel) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(row * height))
        + png_chunk(b"IEND", b"")
    )


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header (IHDR, with a valid CRC) claims width x height pixels."""
    data = bytearray(png(16, 16))
    assert data[12:16] == b"IHDR"
    data[16:20] = width.to_bytes(4, "big")
    data[20:24] = height.to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    return bytes(data)


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) claims width x height pixels."""
    data = bytearray(jpeg(64, 64))
    at = data.index(b"\xff\xc0")
    data[at + 5 : at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def marked(width: int = 1200, height: int = 900) -> Image.Image:
    """Grey with a coloured block in three corners: any rotation or mirror shows."""
    image = Image.new("RGB", (width, height), GREY)
    bw, bh = width // 4, height // 4
    image.paste(RED, (0, 0, bw, bh))  # top left
    image.paste(GREEN, (width - bw, 0, width, bh))  # top right
    image.paste(BLUE, (0, height - bh, bw, height))  # bottom left
    return image


def corners(data: bytes) -> dict[str, tuple[int, ...]]:
    image = opened(data).convert("RGB")
    w, h = image.size
    dx, dy = max(1, w // 16), max(1, h // 16)
    return {
        "top left": image.getpixel((dx, dy)),
        "top right": image.getpixel((w - 1 - dx, dy)),
        "bottom left": image.getpixel((dx, h - 1 - dy)),
        "bottom right": image.getpixel((w - 1 - dx, h - 1 - dy)),
    }


def upright_corners(data: bytes) -> bool:
    seen = corners(data)
    expected = {"top left": RED, "top right": GREEN, "bottom left": BLUE, "bottom right": GREY}
    return all(close(seen[k], v, 25) for k, v in expected.items())


def swapped_primaries_profile() -> bytes:
    """An RGB ICC profile whose red and green primaries are swapped: converted to sRGB,
    a red pixel turns green. Made from lcms's sRGB by swapping the rXYZ/gXYZ tags."""
    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    (count,) = struct.unpack(">I", data[128:132])
    entries = {}
    for i in range(count):
        at = 132 + 12 * i
        entries[bytes(data[at : at + 4])] = at
    r, g = entries[b"rXYZ"], entries[b"gXYZ"]
    data[r + 4 : r + 12], data[g + 4 : g + 12] = data[g + 4 : g + 12], data[r + 4 : r + 12]
    # and not called sRGB any more (sRGB profiles are not converted)
    return bytes(data).replace("sRGB".encode("utf-16-be"), "Swap".encode("utf-16-be"))


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if any pixel data is decoded."""

    def load(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)


# -- accepted, by content ----------------------------------------------------------------


def test_jpeg_is_kept_untouched_with_its_size_and_content_type():
    content = jpeg(1200, 900, gps=True)
    result = process(content)
    assert (result.format, result.content_type) == ("JPEG", "image/jpeg")
    assert (result.width, result.height) == (1200, 900)
    assert result.landscape
    # None = the upload itself is kept, byte for byte (the firm's evidence; the stored
    # object is compared with the upload in test_servicer)
    assert result.stored_original is None
    assert result.sha256 == hashlib.sha256(content).hexdigest()
    assert result.stored_content_type == "image/jpeg"


def test_png_is_kept_untouched_with_its_size_and_content_type():
    content = png(800, 600)
    result = process(content)
    assert (result.format, result.content_type) == ("PNG", "image/png")
    assert (result.width, result.height) == (800, 600)
    assert result.stored_original is None  # the upload itself is kept
    assert result.stored_content_type == "image/png"


def test_the_file_name_plays_no_part_a_jpeg_named_png_is_a_jpeg(service):
    """Through the service, where an upload has a name: only its bytes count."""
    photo = service.upload(service.open_set().id, jpeg(640, 480), filename="front.png")
    assert photo.content_type == "image/jpeg"
    assert (photo.width, photo.height) == (640, 480)


def test_the_file_name_plays_no_part_a_text_named_jpg_is_refused(service):
    with pytest.raises(grpc.RpcError) as caught:
        service.upload(service.open_set().id, "這是文字檔".encode() * 50, filename="front.jpg")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert UNREADABLE in caught.value.details()


def test_multi_frame_camera_jpeg_mpo_is_accepted_as_jpeg():
    """Phones and cameras add MPF frames (previews, gain maps); Pillow calls those MPO."""
    first = Image.new("RGB", (1200, 900), (10, 20, 30))
    second = Image.new("RGB", (320, 240), (200, 200, 200))
    content = encoded(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(content)).format == "MPO"  # the premise
    result = process(content)
    assert (result.format, result.content_type) == ("JPEG", "image/jpeg")
    assert (result.width, result.height) == (1200, 900)
    assert result.stored_content_type == "image/jpeg"


# -- HEIC: kept as JPEG ------------------------------------------------------------------


def test_heic_is_stored_as_a_high_quality_jpeg_of_the_same_picture():
    content = heic(marked(640, 480), quality=90)
    result = process(content)
    assert (result.format, result.content_type) == ("HEIF", "image/heic")
    assert result.stored_content_type == "image/jpeg"
    assert result.sha256 == hashlib.sha256(content).hexdigest()  # of what was uploaded
    stored = opened(result.stored_original)
    assert stored.format == "JPEG"
    assert stored.size == (640, 480) == (result.width, result.height)
    assert upright_corners(result.stored_original)
    for derivative in derivatives(result):
        assert opened(derivative).format == "JPEG"
        assert upright_corners(derivative)


def test_heic_rotated_by_the_phone_is_stored_upright_with_orientation_reset():
    # the picture is upright once turned by the HEIF rotation (EXIF orientation 6)
    sideways = marked(640, 480).transpose(Image.Transpose.ROTATE_90)
    result = process(heic(sideways, orientation=6, quality=90))
    assert (result.width, result.height) == (640, 480)
    assert result.landscape
    stored = opened(result.stored_original)
    assert stored.size == (640, 480)
    assert stored.getexif().get(ORIENTATION) == 1  # no viewer turns it a second time
    assert upright_corners(result.stored_original)
    for derivative in derivatives(result):
        assert upright_corners(derivative)


def test_heic_stored_jpeg_keeps_the_evidence_metadata_but_derivatives_do_not():
    result = process(heic(marked(640, 480), gps=True))
    exif = opened(result.stored_original).getexif()
    assert exif.get_ifd(GPS_IFD)[2] == (25.0, 2.0, 13.5)
    assert exif.get(0x0132) == "2024:05:06 10:20:30"  # time taken
    for derivative in derivatives(result):
        assert len(opened(derivative).getexif()) == 0


def test_heic_with_transparency_is_stored_and_derived_on_white():
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (0, 0, 100, 100))
    result = process(heic(image, quality=90))
    for data in [result.stored_original, *derivatives(result)]:
        picture = opened(data).convert("RGB")
        w, h = picture.size
        assert close(picture.getpixel((w // 4, h // 2)), (0, 0, 255), 30)
        assert close(picture.getpixel((3 * w // 4, h // 2)), WHITE, 10)


# -- refused by content ------------------------------------------------------------------


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
        b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 20,
        b"\x89PNG\r\n\x1a\n" + b"not really a png" * 20,
    ],
    ids=["pdf", "text", "zeros", "jpeg-magic-only", "png-magic-only"],
)
def test_non_images_are_refused(content: bytes):
    with pytest.raises(ImageRejected, match=UNREADABLE):
        process(content)


def test_empty_upload_is_refused():
    with pytest.raises(ImageRejected, match="檔案是空的"):
        process(b"")


def test_animated_png_is_refused():
    frames = [Image.new("RGB", (200, 100), colour) for colour in (RED, GREEN, BLUE)]
    content = encoded(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=100)
    assert getattr(Image.open(io.BytesIO(content)), "is_animated", False)  # the premise
    with pytest.raises(ImageRejected, match=ANIMATED):
        process(content)


# -- truncated and corrupt ----------------------------------------------------------------


@pytest.mark.parametrize(
    "keep", [2, 200, 0.5, 0.9, -100], ids=["soi", "headers", "half", "most", "all-but-100"]
)
def test_truncated_jpeg_is_refused(keep: float):
    whole = jpeg(1200, 900)
    cut = int(keep) if keep >= 1 or keep < 0 else int(len(whole) * keep)
    with pytest.raises(ImageRejected, match=UNREADABLE):
        process(whole[:cut])


def test_truncated_large_jpeg_decoded_at_reduced_scale_is_refused():
    whole = photo_jpeg(3200, 2400, noise=4)
    with pytest.raises(ImageRejected, match=UNREADABLE):
        process(whole[: len(whole) * 3 // 4])


def test_jpeg_with_garbage_after_its_headers_is_refused():
    whole = jpeg(1200, 900)
    with pytest.raises(ImageRejected, match=UNREADABLE):
        process(whole[:600] + bytes(range(256)) * 40)


@pytest.mark.parametrize("keep", [0.5, 0.95])
def test_truncated_png_is_refused(keep: float):
    whole = encoded(Image.effect_noise((400, 300), 40), "PNG")
    with pytest.raises(ImageRejected, match=UNREADABLE):
        process(whole[: int(len(whole) * keep)])


def test_png_with_a_corrupt_image_chunk_is_refused():
    whole = bytearray(encoded(Image.effect_noise((400, 300), 40), "PNG"))
    at = whole.index(b"IDAT") + 200
    whole[at : at + 50] = bytes(50)
    with pytest.raises(ImageRejected, match=UNREADABLE):
        process(bytes(whole))


def test_truncated_heic_is_refused():
    whole = heic(Image.effect_noise((640, 480), 40).convert("RGB"))
    with pytest.raises(ImageRejected, match=UNREADABLE):
        process(whole[: len(whole) * 2 // 3])


def test_truncated_images_stay_refused_by_pillow():
    """Pillow's global switch would accept cut-off files as grey-filled photos."""
    from jes_photo_storage import app, grpc_api  # noqa: F401 - importing must not flip it

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_processing_stops_if_someone_allows_truncated_images(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(RuntimeError, match="LOAD_TRUNCATED_IMAGES"):
        process(jpeg(64, 64))


# -- size and decompression bombs --------------------------------------------------------


def test_oversized_upload_is_refused_before_reading_it(no_decoding: None):
    with pytest.raises(ImageRejected, match="30 MB"):
        process(jpeg(64, 64) + b"\x00" * MAX_UPLOAD_BYTES)


def test_upload_of_exactly_the_byte_limit_is_accepted():
    small = jpeg(64, 64)
    result = process(small + b"\x00" * (MAX_UPLOAD_BYTES - len(small)))
    assert (result.width, result.height) == (64, 64)


@pytest.mark.parametrize(
    ("width", "height"),
    [(9_000, 8_000), (10_000, 10_000), (20_000, 20_000), (50_000, 50_000)],
    ids=["over-our-limit", "over-pillow-warning", "over-pillow-error", "2.5-gigapixels"],
)
def test_png_claiming_too_many_pixels_is_refused_without_decoding(
    width: int, height: int, no_decoding: None
):
    content = png_claiming(width, height)
    assert len(content) < 200
    with pytest.raises(ImageRejected, match=TOO_MANY_PIXELS):
        process(content)


def test_jpeg_claiming_too_many_pixels_is_refused_without_decoding(no_decoding: None):
    with pytest.raises(ImageRejected, match=TOO_MANY_PIXELS):
        process(jpeg_claiming(10_000, 8_000))


def test_real_one_colour_bomb_is_refused_without_decoding(no_decoding: None):
    # 8000 x 7600 = 60.8 megapixels in about 10 kB: over our limit, under Pillow's
    content = encoded(Image.new("1", (8_000, 7_600)), "PNG")
    assert len(content) < 100_000
    with pytest.raises(ImageRejected, match=TOO_MANY_PIXELS):
        process(content)


def test_pillow_bomb_error_is_refused_even_with_our_limit_raised(monkeypatch, no_decoding):
    monkeypatch.setattr(images, "MAX_PIXELS", 10**12)
    with pytest.raises(ImageRejected, match=TOO_MANY_PIXELS):
        process(png_claiming(50_000, 50_000))


def test_pixel_limit_is_inclusive(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 640 * 480)
    assert process(png(640, 480)).width == 640
    with pytest.raises(ImageRejected, match=TOO_MANY_PIXELS):
        process(png(641, 480))


# -- colour: modes, depth, transparency, profiles ----------------------------------------


def report_pixel(result: Derivatives) -> tuple[int, ...]:
    picture = opened(result.report)
    assert picture.format == "JPEG" and picture.mode in ("RGB", "L")
    value = picture.convert("RGB").getpixel((picture.width // 2, picture.height // 2))
    assert isinstance(value, tuple)
    return value


def test_cmyk_jpeg_keeps_its_colours():
    cmyk = Image.new("RGB", (400, 300), RED).convert("CMYK")
    content = encoded(cmyk, "JPEG", quality=95)
    assert opened(content).mode == "CMYK"  # the premise
    result = process(content)
    assert close(report_pixel(result), RED)
    assert result.stored_original is None  # the upload itself is kept


def test_16_bit_grey_png_is_scaled_not_clipped_to_white():
    result = process(png_16bit(64, 48, 0, (40_000,)))  # 40000 / 65535 = 61 % grey
    assert close(report_pixel(result), (156, 156, 156), 3)


def test_16_bit_colour_png_keeps_its_colours():
    result = process(png_16bit(64, 48, 2, (51_400, 5_140, 10_280)))
    assert close(report_pixel(result), (200, 20, 40), 6)


def test_16_bit_png_with_alpha_is_flattened_on_white():
    result = process(png_16bit(64, 48, 6, (0, 0, 65_535, 0)))  # fully transparent blue
    assert close(report_pixel(result), WHITE, 3)


@pytest.mark.parametrize(
    ("mode", "transparent", "expected"),
    [
        ("RGBA", (200, 0, 0, 0), WHITE),
        ("RGBA", (200, 0, 0, 255), (200, 0, 0)),
        ("RGBA", (200, 0, 0, 128), (227, 127, 127)),  # half red over white
        ("LA", (0, 0), WHITE),
        ("LA", (60, 255), (60, 60, 60)),
    ],
)
def test_transparent_png_is_flattened_on_white(
    mode: str, transparent: tuple[int, ...], expected: tuple[int, ...]
):
    result = process(encoded(Image.new(mode, (64, 48), transparent), "PNG"))
    assert close(report_pixel(result), expected, 4)


def test_palette_png_with_a_transparent_entry_is_flattened_on_white():
    image = Image.new("P", (64, 48), 1)
    image.putpalette([0, 0, 0, 200, 0, 0] + [0] * 762)
    image.paste(0, (0, 0, 32, 48))  # left half: entry 0, declared transparent
    result = process(encoded(image, "PNG", transparency=0))
    picture = opened(result.report).convert("RGB")
    assert close(picture.getpixel((8, 24)), WHITE, 4)
    assert close(picture.getpixel((56, 24)), (200, 0, 0), 12)


def test_palette_png_without_transparency_keeps_its_colours():
    image = Image.new("RGB", (64, 48), (30, 90, 200)).quantize(4)
    assert close(report_pixel(process(encoded(image, "PNG"))), (30, 90, 200), 8)


def test_rgb_png_with_a_transparent_colour_is_flattened_on_white():
    image = Image.new("RGB", (64, 48), (10, 20, 30))
    result = process(encoded(image, "PNG", transparency=(10, 20, 30)))
    assert close(report_pixel(result), WHITE, 4)


def test_bilevel_png_becomes_black_and_white():
    image = Image.new("1", (64, 48), 1)
    assert close(report_pixel(process(encoded(image, "PNG"))), WHITE, 2)


def test_photo_with_a_wide_gamut_profile_is_converted_to_srgb():
    """Derivatives carry no profile, so their pixels must already be sRGB."""
    content = encoded(
        Image.new("RGB", (64, 48), RED), "JPEG", quality=95, icc_profile=swapped_primaries_profile()
    )
    result = process(content)
    assert close(report_pixel(result), GREEN, 20)  # the profile said: this is green
    assert result.stored_original is None  # the upload itself is kept, profile and all


def test_srgb_profile_changes_nothing():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    content = encoded(Image.new("RGB", (64, 48), RED), "JPEG", quality=95, icc_profile=srgb)
    assert close(report_pixel(process(content)), RED)


def test_broken_profile_is_ignored_not_refused():
    content = encoded(
        Image.new("RGB", (64, 48), RED), "JPEG", quality=95, icc_profile=b"not a profile" * 20
    )
    assert close(report_pixel(process(content)), RED)


# -- orientation --------------------------------------------------------------------------

# How a camera stores an upright picture for each EXIF orientation (EXIF 2.3, tag 0x0112):
# the inverse of what a viewer does to show it.
STORED_AS = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,  # the viewer turns it 90° clockwise
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,  # the viewer turns it 90° counter-clockwise
}


def stored_with_orientation(
    picture: Image.Image, orientation: int, fmt: str = "JPEG", **options: object
) -> bytes:
    transpose = STORED_AS[orientation]
    stored = picture if transpose is None else picture.transpose(transpose)
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    return encoded(stored, fmt, exif=exif.tobytes(), **options)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_applied(orientation: int):
    result = process(stored_with_orientation(marked(1200, 900), orientation, quality=95))
    assert (result.width, result.height) == (1200, 900)
    assert result.landscape
    for derivative in derivatives(result):
        assert upright_corners(derivative), orientation
        assert ORIENTATION not in opened(derivative).getexif()


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_orientation_of_a_large_jpeg_decoded_at_reduced_scale(orientation: int):
    result = process(stored_with_orientation(marked(4000, 3000), orientation, quality=90))
    assert (result.width, result.height) == (4000, 3000)
    assert size_of(result.report) == (1000, 750)
    assert size_of(result.thumbnail) == (320, 240)
    for derivative in derivatives(result):
        assert upright_corners(derivative)


def test_png_orientation_is_applied_too():
    result = process(stored_with_orientation(marked(600, 400), 6, "PNG"))
    assert (result.width, result.height) == (600, 400)
    assert upright_corners(result.report)


def test_portrait_photo_turned_by_the_camera():
    content = photo_jpeg(1600, 1200, orientation=6)
    result = process(content)
    assert (result.width, result.height) == (1200, 1600)
    assert not result.landscape
    assert size_of(result.thumbnail) == (240, 320)


@pytest.mark.parametrize("value", [0, 9, 65535])
def test_nonsense_orientation_is_ignored(value: int):
    exif = Image.Exif()
    exif[ORIENTATION] = value
    result = process(encoded(marked(400, 300), "JPEG", exif=exif.tobytes(), quality=95))
    assert (result.width, result.height) == (400, 300)
    assert upright_corners(result.report)


# -- no metadata in derivatives -----------------------------------------------------------


def jpeg_with_every_kind_of_metadata() -> bytes:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    return encoded(
        marked(1200, 900),
        "JPEG",
        exif=camera_exif(orientation=1, gps=True),
        icc_profile=srgb,
        comment=b"taken at No. 1 Secret Road",
        xmp=xmp,
    )


def test_no_metadata_of_any_kind_in_any_derivative():
    content = jpeg_with_every_kind_of_metadata()
    premise = opened(content)
    assert premise.getexif().get_ifd(GPS_IFD)
    assert {"icc_profile", "comment", "xmp"} <= set(premise.info)
    result = process(content)
    for derivative in derivatives(result):
        # segments: SOI, APP0 (JFIF) and the image's tables; no APP1 (EXIF, XMP),
        # APP2 (ICC), other APPn or COM (comment)
        markers = jpeg_segments(derivative)
        assert not [m for m in markers if 0xE1 <= m <= 0xEF or m == 0xFE], markers
        picture = opened(derivative)
        assert len(picture.getexif()) == 0
        assert not {"exif", "icc_profile", "comment", "xmp"} & set(picture.info)
    assert result.stored_original is None  # the upload itself is kept, with it all


def test_png_text_and_exif_do_not_reach_the_derivatives():
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "secret address")
    content = encoded(
        marked(600, 400), "PNG", pnginfo=text, exif=camera_exif(orientation=1, gps=True)
    )
    for derivative in derivatives(process(content)):
        markers = jpeg_segments(derivative)
        assert not [m for m in markers if 0xE1 <= m <= 0xEF or m == 0xFE], markers


# -- derivatives --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "thumbnail", "report"),
    [
        ((2400, 1600), (320, 213), (1000, 667)),
        ((1600, 2400), (213, 320), (667, 1000)),
        ((4000, 3000), (320, 240), (1000, 750)),
        ((4032, 3024), (320, 240), (1000, 750)),
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
    for derivative in derivatives(result):
        assert opened(derivative).format == "JPEG"


def test_large_jpeg_is_decoded_at_reduced_scale_and_thumbnail_made_from_the_report(
    monkeypatch: pytest.MonkeyPatch,
):
    """A 4000 x 3000 JPEG is decoded at quarter scale (1000 x 750, the DCT scaled while
    decoding: just the 1000 px report), and the thumbnail is made from the report-size
    picture, not from a larger decode."""
    decoded: list[tuple[int, int]] = []
    resized: list[tuple[tuple[int, int], tuple[int, int]]] = []
    real_load, real_resize = ImageFile.ImageFile.load, Image.Image.resize

    def load(self: ImageFile.ImageFile):  # type: ignore[no-untyped-def]
        decoding = bool(self.tile)  # later calls on a loaded image decode nothing
        pixels = real_load(self)
        if decoding:
            decoded.append(self.size)
        return pixels

    def resize(self: Image.Image, size, *args, **kwargs):  # type: ignore[no-untyped-def]
        resized.append((self.size, tuple(size)))
        return real_resize(self, size, *args, **kwargs)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    monkeypatch.setattr(Image.Image, "resize", resize)
    process(jpeg(4000, 3000))
    assert decoded == [(1000, 750)]
    assert resized == [((1000, 750), (320, 240))]


def test_report_and_public_copies_look_like_the_photo():
    result = process(stored_with_orientation(marked(2400, 1800), 1, quality=95))
    assert upright_corners(result.report)
    assert upright_corners(result.public)
    assert upright_corners(result.thumbnail)


def test_sha256_is_of_the_original_bytes():
    content = jpeg(640, 480, gps=True)
    result = process(content)
    assert result.sha256 == hashlib.sha256(content).hexdigest()
    assert result.sha256 != hashlib.sha256(result.public).hexdigest()

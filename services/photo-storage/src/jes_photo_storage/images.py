"""Image intake: identify by content, refuse bombs, make every derivative.

What is kept:
- JPEG and PNG uploads are stored as uploaded (byte for byte, metadata included: the
  firm's evidence of when and where the photo was taken).
- HEIC/HEIF uploads are stored as a JPEG (quality 92), because browsers, the PDF engine
  and the court's viewers cannot show HEIC. libheif already applies the HEIF rotation
  when decoding (and pillow_heif resets the EXIF orientation tag to 1), so the stored
  JPEG has upright pixels; its EXIF (date, camera, GPS) and ICC profile are kept, XMP is
  not (it may carry a second, now wrong, orientation).
- Derivatives (thumbnail, report, public) are JPEG, upright, sRGB, on white where the
  original was transparent, and carry no metadata at all: no EXIF (so no GPS), ICC, XMP
  or comments.

Speed (target: 100 ms of CPU for a 12-megapixel JPEG; bench/bench_derivatives.py): a
JPEG is decoded at reduced scale (draft mode: libjpeg scales the DCT by 1/2, 1/4 or 1/8
while decoding, so 4000 x 3000 becomes 1000 x 750 for the 1000 px report), the
thumbnail is made from the report-size image, and report and public copies are one
encoding. What remains is mostly libjpeg reading the 3-5 MB of compressed data.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import BinaryIO

import pillow_heif
from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError

from jes_domain import InvalidArgument

pillow_heif.register_heif_opener()  # HEIC/HEIF, as phones write them

# Pillow gives the memory of every freed image back to the kernel, and the next photo
# faults it in again: ~20 ms of system CPU per 12 MP photo. Keeping up to 24 freed 1 MB
# blocks for reuse removes most of that. Process-wide; PILLOW_BLOCK_SIZE and
# PILLOW_BLOCKS_MAX in the environment (read by Pillow itself) take precedence.
if "PILLOW_BLOCK_SIZE" not in os.environ and "PILLOW_BLOCKS_MAX" not in os.environ:
    Image.core.set_block_size(1024 * 1024)
    Image.core.set_blocks_max(24)

MAX_UPLOAD_BYTES = 30 * 1024 * 1024
# An upload arrives in chunks and is kept in memory up to this size, on disk beyond it:
# a phone's 3-5 MB JPEG never touches the disk, a 30 MB PNG is never whole in memory.
SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 60_000_000  # a 60-megapixel photo is generous; beyond that it is a bomb
ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "HEIF": "image/heic"}

THUMBNAIL_EDGE = 320
# 1000 px: enough for the PDF report (a photo slot of ~130 mm is ~195 dpi) and for
# viewing on a screen, and small enough that a 12 MP (4000 x 3000) JPEG is decoded at
# 1/4 scale. At 1600 px it must be decoded at 1/2, which costs ~30 ms more CPU per
# photo and misses the 100 ms target (bench/bench_derivatives.py).
REPORT_EDGE = 1000
PUBLIC_EDGE = 1000
# Box when shrinking = area averaging (each output pixel the mean of the input area it
# covers): right for shrinking, and the cheapest; bilinear costs ~25% more and bicubic
# ~80% more, which would break the 100 ms budget of a 12 MP photo.
RESAMPLE = Image.Resampling.BOX
STORED_JPEG_QUALITY = 92  # HEIC converted for keeping: visually lossless

EMPTY = "檔案是空的"
TOO_LARGE = f"檔案超過 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB 上限"
WRONG_FORMAT = "只接受 JPEG、PNG 或 HEIC 格式的照片"
TOO_MANY_PIXELS = "照片像素過多，請縮小後再上傳"
ANIMATED = "不接受動畫圖檔，請上傳單張照片"
UNREADABLE = "無法讀取照片，檔案可能已損毀或不是照片"

ORIENTATION_TAG = 0x0112
# EXIF orientation -> the transpose that makes the pixels upright (as ImageOps does)
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
SWAPS_AXES = {5, 6, 7, 8}
WHITE = (255, 255, 255)
PROFILE_SPACE = {"RGB": "RGB", "CMYK": "CMYK", "L": "GRAY"}  # image mode -> ICC colour space


class ImageRejected(ValueError):
    """The upload is not an acceptable photo; the message is shown to the firm (zh-TW)."""


@dataclass(frozen=True)
class Upload:
    """An uploaded file as it arrived: readable from the start, with its size and SHA-256
    taken on the way in."""

    file: BinaryIO
    size: int
    sha256: str

    @classmethod
    def of(cls, content: bytes) -> Upload:
        return cls(io.BytesIO(content), len(content), hashlib.sha256(content).hexdigest())

    def rewind(self) -> BinaryIO:
        self.file.seek(0)
        return self.file


@contextmanager
def receive(chunks: Iterable[bytes]) -> Iterator[Upload]:
    """Take an upload chunk by chunk (an RPC's stream), refusing it as soon as it passes
    the size limit; the spooled copy is gone when the block ends."""
    digest = hashlib.sha256()
    size = 0
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as spool:
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                raise InvalidArgument(TOO_LARGE, fields={"file": TOO_LARGE})
            digest.update(chunk)
            spool.write(chunk)
        spool.seek(0)
        yield Upload(spool, size, digest.hexdigest())  # type: ignore[arg-type]


@dataclass(frozen=True)
class Derivatives:
    format: str  # of the upload: JPEG, PNG, HEIF
    content_type: str  # of the upload
    width: int  # full size, after EXIF orientation
    height: int
    sha256: str  # of the uploaded bytes
    thumbnail: bytes
    report: bytes
    public: bytes
    # What to keep as the original: None = the upload itself (JPEG and PNG), a JPEG for HEIC.
    stored_original: bytes | None
    stored_content_type: str  # image/jpeg, image/png

    @property
    def landscape(self) -> bool:
        return self.width >= self.height


def process(upload: Upload | bytes) -> Derivatives:
    if isinstance(upload, bytes):
        upload = Upload.of(upload)
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # A global switch somebody else flipped would let cut-off uploads through as
        # grey-filled photos; fail loudly (a server error) rather than accept them.
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False")
    if not upload.size:
        raise ImageRejected(EMPTY)
    if upload.size > MAX_UPLOAD_BYTES:
        raise ImageRejected(TOO_LARGE)
    try:
        with warnings.catch_warnings():
            # Pillow warns above ~89 MP and raises above ~179 MP; ours is lower, but
            # take its verdict too in case its limits change.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image, image_format = _open(upload.rewind())
            full_size = image.size  # as stored, before orientation
            _decode_reduced(image, image_format, REPORT_EDGE)
            # HEIF: libheif applies the container's rotation itself, and the spec says
            # the EXIF orientation must then be ignored.
            orientation = 1 if image_format == "HEIF" else _orientation(image)
            stored: bytes | None = None
            stored_type = ACCEPTED_FORMATS[image_format]
            if image_format == "HEIF":
                stored, stored_type = _stored_jpeg(image), "image/jpeg"
            working = _flatten(image)
            report = _fit(working, REPORT_EDGE)
            report = _to_srgb(report, image.info.get("icc_profile"))
            if orientation in UPRIGHT:
                report = report.transpose(UPRIGHT[orientation])
            thumbnail = _fit(report, THUMBNAIL_EDGE)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(TOO_MANY_PIXELS) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRejected(UNREADABLE) from exc
    # Report and public copies are the same picture today (same size, no metadata):
    # encoded once, kept as two fields so either can change without touching callers.
    report_jpeg = _jpeg(report, 85)
    width, height = full_size
    if orientation in SWAPS_AXES:
        width, height = height, width
    return Derivatives(
        format=image_format,
        content_type=ACCEPTED_FORMATS[image_format],
        width=width,
        height=height,
        sha256=upload.sha256,
        thumbnail=_jpeg(thumbnail, 80),
        report=report_jpeg,
        public=report_jpeg,
        stored_original=stored,
        stored_content_type=stored_type,
    )


def _open(content: BinaryIO) -> tuple[ImageFile.ImageFile, str]:
    """Identify by content and check the declared size; no pixel is decoded yet."""
    image = Image.open(content)  # the name of the upload plays no part
    # Many cameras and phones write JPEGs with extra frames (MPF: previews, gain maps)
    # that Pillow reports as MPO; they are JPEGs, shown by their first frame.
    image_format = "JPEG" if image.format == "MPO" else image.format or ""
    if image_format not in ACCEPTED_FORMATS:
        raise ImageRejected(WRONG_FORMAT)
    width, height = image.size
    # The header's claim, checked before decoding: a small PNG can declare 50000 x 50000.
    if width * height > MAX_PIXELS:
        raise ImageRejected(TOO_MANY_PIXELS)
    if image_format == "PNG" and getattr(image, "is_animated", False):
        # Refused rather than cut to its first frame: the kept original would move in
        # the court's browser while the report shows one still.
        raise ImageRejected(ANIMATED)
    return image, image_format


def _decode_reduced(image: ImageFile.ImageFile, image_format: str, edge: int) -> None:
    """Decode every pixel (a truncated or corrupt file fails here), JPEG at reduced scale."""
    if image_format == "JPEG":
        # draft() picks the largest DCT scaling (1/2, 1/4, 1/8) that still leaves both
        # sides at least as large as asked, so ask for the derivative's box with the
        # photo's own proportions (a square box would never reduce a 4:3 photo).
        width, height = image.size
        factor = edge / max(width, height)
        if factor < 1:
            image.draft("RGB", (math.ceil(width * factor), math.ceil(height * factor)))
    image.load()


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation (1 to 8); read after load(), where PNG keeps its eXIf chunk."""
    value = image.getexif().get(ORIENTATION_TAG, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _flatten(image: Image.Image) -> Image.Image:
    """8-bit RGB or L (CMYK kept for the colour conversion); transparency onto white."""
    if image.mode in ("RGB", "L", "CMYK"):
        if "transparency" not in image.info:
            return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit greyscale: scale to 8 bits (a plain convert would clip it to white)
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode == "F":
        return image.convert("L")
    if image.mode == "1":
        return image.convert("L")
    # RGBA, LA, PA, P, and RGB/L with a transparent colour: composite onto white
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, WHITE)
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _fit(image: Image.Image, edge: int) -> Image.Image:
    """Scaled to fit an edge x edge box (never enlarged)."""
    width, height = image.size
    if max(width, height) <= edge:
        return image
    factor = edge / max(width, height)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    # reducing_gap: shrink by an integer factor first (Image.reduce, fast), then the
    # filter covers the remaining step
    return image.resize(size, RESAMPLE, reducing_gap=1.0)


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Convert to sRGB with the photo's own profile (e.g. Display P3, CMYK), since the
    derivatives carry no profile and are read as sRGB. A broken profile is ignored."""
    if icc_profile and image.mode in ("RGB", "CMYK", "L"):
        try:
            transform = _transform_to_srgb(icc_profile, image.mode)
        except (OSError, ImageCms.PyCMSError, ValueError):
            transform = None
        if transform is not None:
            converted = ImageCms.applyTransform(image, transform)
            assert converted is not None  # a new image: the transform is not in place
            return converted
    return image if image.mode in ("RGB", "L") else image.convert("RGB")


@lru_cache(maxsize=16)  # phones use a handful of profiles; building one costs ~ms
def _transform_to_srgb(icc_profile: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
    if source.profile.xcolor_space.strip() != PROFILE_SPACE[mode]:
        return None  # a profile that does not describe these pixels
    if mode == "RGB" and "srgb" in (source.profile.profile_description or "").lower():
        return None  # already sRGB: the conversion would cost ~30 ms and change nothing
    return ImageCms.buildTransform(
        source,
        ImageCms.createProfile("sRGB"),
        mode,
        "RGB",
        ImageCms.Intent.PERCEPTUAL,
        # lcms's one-pixel cache is not thread-safe, and uploads run in parallel
        flags=ImageCms.Flags.NOCACHE,
    )


def _jpeg(image: Image.Image, quality: int) -> bytes:
    """A derivative JPEG with no metadata. Pillow writes a JPEG comment found in
    image.info (which resize and transpose copy from the upload), so info is emptied;
    these images belong to process() and everything needed from info was read."""
    image.info = {}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _stored_jpeg(image: Image.Image) -> bytes:
    """HEIC kept as JPEG: full size, upright, with its EXIF and ICC profile."""
    exif = image.getexif()
    exif[ORIENTATION_TAG] = 1  # libheif already rotated the pixels
    options: dict[str, object] = {"quality": STORED_JPEG_QUALITY, "exif": exif.tobytes()}
    if icc := image.info.get("icc_profile"):
        options["icc_profile"] = icc
    pixels = image if image.mode in ("RGB", "L") else _flatten(image)
    out = io.BytesIO()
    pixels.save(out, "JPEG", **options)
    return out.getvalue()

"""The report's photos: read from the object store by their keys (or handed over as
bytes) and scaled to what a page needs. report-render fetches no URL: what it renders
is only what it is handed or reads from the `photos` bucket itself.

Each photo goes into the PDF as the JPEG written here (see pdf.put_photos), at about
IMAGE_DPI over its printed size: 13 cm wide is ~800 px. JPEG draft mode decodes at 1/2,
1/4 or 1/8 scale directly, so a large report copy is decoded near the size the page needs at once.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from jes_objectstore import ObjectNotFound
from jes_report_render.domain.layout import MM_PER_PX
from jes_report_render.domain.reports import PHOTO_BUCKET

log = logging.getLogger("jes.report_render")

IMAGE_DPI = 150
OVERSIZE = 1.3  # a draft-decoded image up to this much larger than needed is kept as is
JPEG_QUALITY = 80  # what goes into the PDF
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 60_000_000


class ImageError(ValueError):
    """A photo is not usable (too large, unreadable, not there); the message is zh-TW."""


class PhotoUnavailable(ImageError):
    """A photo could not be read (the object store is away); may be retried."""


def checked_size(content: bytes) -> bytes:
    if len(content) > MAX_IMAGE_BYTES:
        raise ImageError("報告圖片過大")
    return content


class PhotoReader:
    """Reads the photos of a report from the `photos` bucket by object key: a key is a
    name inside that bucket (the store refuses "..", absolute and empty parts), never a
    URL or a path of the render's machine."""

    def __init__(self, store: Any):
        self.store = store

    def read(self, key: str) -> bytes:
        try:
            content = self.store.get(PHOTO_BUCKET, key)
        except ValueError as exc:  # not a key of the bucket (a URL, a path, "..")
            raise ImageError("報告圖片的物件鍵不正確") from exc
        except ObjectNotFound as exc:
            raise ImageError("找不到報告圖片") from exc
        except Exception as exc:
            log.warning("object store did not give %s: %s", key, type(exc).__name__)
            raise PhotoUnavailable("無法取得報告圖片，請稍後再試") from exc
        return checked_size(content)


@dataclass(frozen=True)
class Prepared:
    path: Path
    width: int  # pixels, after EXIF orientation
    height: int


def fit(width: float, height: float, box_width: float, box_height: float) -> tuple[int, int]:
    """The largest size with the image's aspect ratio that fits the box."""
    scale = min(box_width / width, box_height / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def pixels_for(css_px: int) -> int:
    """Pixels for IMAGE_DPI over a length printed `css_px` long."""
    return round(css_px * MM_PER_PX / 25.4 * IMAGE_DPI)


def prepare(content: bytes, target: Path, box: tuple[int, int]) -> Prepared:
    """Write a JPEG of `content` with about IMAGE_DPI pixels over the printed size of a
    `box` (CSS px, see layout) into `target`. Decodes one image at a time, at reduced
    scale, so memory stays small whatever the source."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise ImageError("報告圖片像素過多")
                turned = image.getexif().get(0x0112, 1) in (5, 6, 7, 8)
                if turned:
                    width, height = height, width
                shown_width, shown_height = fit(width, height, *box)
                needed = (pixels_for(shown_width), pixels_for(shown_height))
                if image.format in ("JPEG", "MPO"):  # MPO: a camera's JPEG with previews
                    image.draft("RGB", (needed[1], needed[0]) if turned else needed)
                picture = ImageOps.exif_transpose(image)
                if picture.mode != "RGB":
                    picture = picture.convert("RGB")
                if picture.width > needed[0] * OVERSIZE:
                    picture = picture.resize(needed, Image.Resampling.BILINEAR, reducing_gap=2.0)
                picture.save(target, "JPEG", quality=JPEG_QUALITY)
                return Prepared(target, picture.width, picture.height)
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError("報告圖片像素過多") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageError("無法讀取報告圖片") from exc

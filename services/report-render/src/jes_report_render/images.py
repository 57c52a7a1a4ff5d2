"""The report's photos: fetched from their presigned URLs and scaled to what a page needs.

Each photo goes into the PDF as the JPEG written here (see pdf.put_photos), at about
IMAGE_DPI over its printed size: 13 cm wide is ~800 px. JPEG draft mode decodes at 1/2,
1/4 or 1/8 scale directly, so a large report copy is decoded near the size the page needs at once.
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import requests
from PIL import Image, ImageOps, UnidentifiedImageError

from jes_report_render.domain.layout import MM_PER_PX

IMAGE_DPI = 150
OVERSIZE = 1.3  # a draft-decoded image up to this much larger than needed is kept as is
JPEG_QUALITY = 80  # what goes into the PDF
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 60_000_000
FETCH_TIMEOUT = 30  # seconds, per request


class ImageError(ValueError):
    """A photo is not usable (too large, unreadable); the message is zh-TW."""


class PhotoUnavailable(ImageError):
    """A photo could not be fetched (its server is away or refused); may be retried."""


class Fetcher:
    """Downloads the photos of one report (presigned URLs of photo-storage's bucket).

    One keep-alive session per worker thread, as a requests Session is not thread-safe:
    a report's 100 photos then cost a few connections (and TLS handshakes), not 100.
    """

    def __init__(self) -> None:
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            with self._lock:
                self._sessions.append(session)
        return session

    def fetch(self, url: str) -> bytes:
        try:
            with self._session().get(url, timeout=FETCH_TIMEOUT, stream=True) as response:
                response.raise_for_status()
                chunks, size = [], 0
                for chunk in response.iter_content(256 * 1024):
                    size += len(chunk)
                    if size > MAX_IMAGE_BYTES:
                        raise ImageError("報告圖片過大")
                    chunks.append(chunk)
        except requests.RequestException as exc:
            raise PhotoUnavailable("無法取得報告圖片，請稍後再試") from exc
        return b"".join(chunks)

    def close(self) -> None:
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()


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

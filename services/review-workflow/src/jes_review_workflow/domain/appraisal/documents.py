"""What an applicant's uploaded document is, judged by its content (never by its name or
the type the browser claims): a PDF that parses and has at least one page, or a JPEG or
PNG image that decodes. Anything else is refused with the reason."""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from jes_domain import InvalidArgument

NOT_A_DOCUMENT = "檔案內容不是 PDF 或圖片（JPEG、PNG），請上傳 PDF 或圖片檔"
EMPTY = "請選擇要上傳的檔案"
DAMAGED_PDF = "PDF 檔案已損壞或沒有任何頁面，請重新上傳"
DAMAGED_IMAGE = "圖片檔案已損壞，請重新上傳"
ENCRYPTED_PDF = "PDF 檔案設有密碼，請上傳未加密的檔案"
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
MAX_PIXELS = 60_000_000  # beyond this a "scan" is a decompression bomb


def _refused(problem: str) -> InvalidArgument:
    return InvalidArgument(problem, fields={"file": problem})


def too_large(max_bytes: int) -> InvalidArgument:
    return _refused(f"檔案超過 {max_bytes // (1024 * 1024)} MB，請縮小後再上傳")


def _pdf(data: bytes) -> str:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise _refused(ENCRYPTED_PDF)
        if len(reader.pages) < 1:
            raise _refused(DAMAGED_PDF)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        raise _refused(DAMAGED_PDF) from None
    return "application/pdf"


def _image(data: bytes) -> str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = IMAGE_FORMATS.get(image.format or "")
                if kind is None:
                    raise _refused(NOT_A_DOCUMENT)
                if image.width * image.height > MAX_PIXELS:
                    raise _refused(DAMAGED_IMAGE)
                image.load()  # decodes every pixel: a truncated file fails here
    except UnidentifiedImageError:
        raise _refused(NOT_A_DOCUMENT) from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning):
        raise _refused(DAMAGED_IMAGE) from None
    return kind


def content_type_of(data: bytes, accepted: tuple[str, ...], max_bytes: int) -> str:
    """The document's real type ("application/pdf", "image/jpeg", "image/png"), or the
    zh-TW reason it is refused."""
    if not data:
        raise _refused(EMPTY)
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    # A PDF may have bytes before its header (readers look in the first 1024 bytes).
    kind = _pdf(data) if b"%PDF-" in data[:1024] else _image(data)
    if kind not in accepted:
        raise _refused(NOT_A_DOCUMENT)
    return kind

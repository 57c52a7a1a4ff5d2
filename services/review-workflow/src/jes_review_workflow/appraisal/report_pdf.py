"""A report's PDF checked by its content, not its name: it must open as a PDF (pypdf),
not be encrypted, and every page must be A4 (domain.appraisal.report.is_a4)."""

from __future__ import annotations

import logging
from io import BytesIO

from pypdf import PdfReader

from jes_domain import InvalidArgument
from jes_review_workflow.domain.appraisal.court_rules import CourtRules
from jes_review_workflow.domain.appraisal.report import (
    NOT_A4,
    NOT_A_PDF,
    TOO_LARGE,
    is_a4,
    max_bytes,
)

logging.getLogger("pypdf").setLevel(logging.ERROR)  # a broken upload is the person's input


def pages_of(rules: CourtRules, data: bytes) -> int:
    """The number of pages of an acceptable report; refuses anything else."""
    if len(data) > max_bytes(rules):
        limit = max_bytes(rules) // (1024 * 1024)
        raise InvalidArgument(TOO_LARGE, fields={"pdf": f"檔案請在 {limit} MB 以內"})
    if not data.startswith(b"%PDF-"):
        raise InvalidArgument(NOT_A_PDF, fields={"pdf": NOT_A_PDF})
    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted:
            raise InvalidArgument(NOT_A_PDF, fields={"pdf": "鑑定書不可加密"})
        sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    except InvalidArgument:
        raise
    except Exception:  # pypdf raises many kinds for a damaged file
        raise InvalidArgument(NOT_A_PDF, fields={"pdf": "檔案無法以 PDF 開啟"}) from None
    if not sizes:
        raise InvalidArgument(NOT_A_PDF, fields={"pdf": "檔案沒有任何頁面"})
    for number, (width, height) in enumerate(sizes, start=1):
        if not is_a4(rules, width, height):
            raise InvalidArgument(NOT_A4, fields={"pdf": f"第 {number} 頁不是 A4 尺寸"})
    return len(sizes)

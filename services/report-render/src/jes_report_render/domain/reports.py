"""A rendered report: what a request needs, where it is kept, and for how long a link
to it lives. Every print is kept: a new object and row per render, never overwritten."""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum

from jes_domain import InvalidArgument

BUCKET = "reports"
PHOTO_BUCKET = "photos"  # photo-storage's bucket: the report-size copies are read from it
URL_LIFETIME = timedelta(minutes=10)
NOT_FOUND = "找不到報告"


class ReportKind(StrEnum):
    PHOTO_REPORT = "photo_report"


def require_photos(photo_count: int, without_picture: int = 0) -> None:
    """At least one photo, each with its picture (an object key or the image's bytes)."""
    if not photo_count:
        raise InvalidArgument("沒有照片可列印", fields={"photos": "至少需要一張照片"})
    if without_picture:
        raise InvalidArgument(
            "照片缺少圖片", fields={"photos": "每張照片須附圖片的物件鍵或圖片內容"}
        )


_NOT_IN_NAMES = re.compile(r'[\x00-\x1f\x7f/\\"]')


def download_name(case_number: str, batch: int, set_version: int, print_number: int = 0) -> str:
    """The file name a downloaded photo report gets: its case, batch and what its footer
    says of the print, e.g. 114年度司執字第12345號_批次1_第2次列印.pdf (版本7 when the
    caller gave no print count)."""
    parts = [case_number.strip() or "照片報告"]
    if batch:
        parts.append(f"批次{batch}")
    if print_number:
        parts.append(f"第{print_number}次列印")
    elif set_version:
        parts.append(f"版本{set_version}")
    return _NOT_IN_NAMES.sub("_", "_".join(parts))[:150] + ".pdf"


def object_key(kind: ReportKind, subject_id: str, report_id: str) -> str:
    """Where one render is kept in BUCKET (a new key per render)."""
    return f"{kind.value}/{subject_id}/{report_id}.pdf"

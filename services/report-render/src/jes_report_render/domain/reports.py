"""A rendered report: what a request needs, where it is kept, and for how long a link
to it lives. Every print is kept: a new object and row per render, never overwritten."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from jes_domain import InvalidArgument

BUCKET = "reports"
URL_LIFETIME = timedelta(minutes=10)
NOT_FOUND = "找不到報告"


class ReportKind(StrEnum):
    PHOTO_REPORT = "photo_report"


def require_photos(photo_count: int) -> None:
    if not photo_count:
        raise InvalidArgument("沒有照片可列印", fields={"photos": "至少需要一張照片"})


def object_key(kind: ReportKind, subject_id: str, report_id: str) -> str:
    """Where one render is kept in BUCKET (a new key per render)."""
    return f"{kind.value}/{subject_id}/{report_id}.pdf"

"""What the rules read of a stored set and photo (the rows satisfy these), and the facts
derived from them alone: the formal case number, a photo as the audit log shows it."""

from __future__ import annotations

from typing import Any, Protocol

from jes_photo_storage.domain.vocabulary import views_from_text

# The photo fields a firm edits, in the order a summary lists them.
EDITABLE_FIELDS = ("placement", "orientation", "auction_target", "description", "remark", "views")


class SetRecord(Protocol):
    id: str
    court_code: str
    division: str
    case_year: int
    case_word: str
    case_number: int
    batch: int
    firm_name: str
    version: int


class PhotoRecord(Protocol):
    id: str
    sequence: int
    placement: str
    orientation: str
    auction_target: str
    description: str
    remark: str
    views: str  # stored form: comma-separated names
    sha256: str
    thumbnail_key: str
    width: int
    height: int


def formal_case_number(photo_set: SetRecord) -> str:
    """107年度司執字第999號."""
    return f"{photo_set.case_year}年度{photo_set.case_word}字第{photo_set.case_number}號"


def audit_value(name: str, value: Any) -> Any:
    return views_from_text(value) if name == "views" else value


def photo_fields(photo: PhotoRecord) -> dict[str, Any]:
    """A photo as the audit log shows it."""
    fields = {name: audit_value(name, getattr(photo, name)) for name in EDITABLE_FIELDS}
    return {"photo_id": photo.id, "sequence": photo.sequence, **fields, "sha256": photo.sha256}


def image_fields(photo: PhotoRecord) -> dict[str, Any]:
    return {
        "photo_id": photo.id,
        "sequence": photo.sequence,
        "sha256": photo.sha256,
        "width": photo.width,
        "height": photo.height,
        "orientation": photo.orientation,
    }

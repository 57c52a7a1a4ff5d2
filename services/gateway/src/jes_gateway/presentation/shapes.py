"""JSON of the contracts' messages as the API answers them (and the page upload script
reads them). Enum values by their API names, times as ISO 8601 in UTC."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from jes.audit.v1.audit_pb2 import AuditEntry
from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes_gateway.presentation.vocabulary import ORIENTATIONS, PLACEMENTS, VIEWS, name_of


def iso(value: Timestamp) -> str | None:
    if not value.seconds and not value.nanos:
        return None
    return value.ToDatetime(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def case_number_json(case: pb.CaseNumber) -> dict[str, Any]:
    return {"year": case.year, "word": case.word, "number": case.number}


def photo_json(photo: pb.Photo) -> dict[str, Any]:
    return {
        "id": photo.id,
        "photo_set_id": photo.photo_set_id,
        "sequence": photo.sequence,
        "placement": name_of(PLACEMENTS, photo.placement),
        "orientation": name_of(ORIENTATIONS, photo.orientation),
        "auction_target": photo.auction_target,
        "description": photo.description,
        "remark": photo.remark,
        "views": [name_of(VIEWS, v) for v in photo.views],
        "width": photo.width,
        "height": photo.height,
        "sha256": photo.sha256,
        "content_type": photo.content_type,
        "duplicate": photo.duplicate,
        "rejection_reason": photo.rejection_reason,
        "thumbnail_url": photo.thumbnail_url,
        "image_url": photo.image_url,
        "public_url": photo.public_url,
    }


def print_json(record: pb.PrintRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "set_version": record.set_version,
        "fingerprint": record.fingerprint,
        "report_id": record.report_id,
        "pages": record.pages,
        "photo_count": record.photo_count,
        "printed_at": iso(record.printed_at),
        "printed_by": record.printed_by,
        "report_url": record.report_url,
        "checklist_warnings": list(record.checklist_warnings),
    }


def change_json(change: pb.PhotoChange) -> dict[str, Any]:
    return {
        "photo_id": change.photo_id,
        "change": change.change,
        "sequence_before": change.sequence_before,
        "sequence_after": change.sequence_after,
        "fields": list(change.fields),
        "summary": change.summary,
        "thumbnail_url": change.thumbnail_url,
        "thumbnail_before_url": change.thumbnail_before_url,
    }


def audit_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": iso(entry.at),
        "actor_account_id": entry.actor_account_id,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "subject_type": entry.subject_type,
        "subject_id": entry.subject_id,
        "court_code": entry.court_code,
        "before": parsed_json(entry.before_json),
        "after": parsed_json(entry.after_json),
    }


def parsed_json(raw: str) -> Any:
    """An audit entry's before/after: the object, None when empty, the text if not JSON."""
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw

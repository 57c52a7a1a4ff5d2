"""Appraiser commissioning as pages and the API both show it: assignments, roster
entries, rotation-log entries and fairness rows as plain dicts (API names, zh-TW labels
from the contract)."""

from __future__ import annotations

import json
from typing import Any

from jes.review_workflow.v1 import appraisers_pb2 as pb
from jes_gateway.presentation.vocabulary import (
    APPRAISER_CATEGORIES,
    APPRAISER_CATEGORY_LABELS,
    APPRAISER_STANDING_LABELS,
    APPRAISER_STANDINGS,
    ROTATION_LOG_KIND_LABELS,
    ROTATION_LOG_KINDS,
    name_of,
)


def assignment_json(a: pb.Assignment) -> dict[str, Any]:
    category = name_of(APPRAISER_CATEGORIES, a.category)
    return {
        "id": a.id,
        "court_code": a.court_code,
        "category": category,
        "category_label": APPRAISER_CATEGORY_LABELS.get(category, ""),
        "case_number": a.case_number,
        "division": a.division,
        "appraiser_id": a.appraiser_id,
        "appraiser_name": a.appraiser_name,
        "off_rotation": a.off_rotation,
        "ground": a.ground,
        "ground_label": a.ground_label,
        "reason": a.reason,
        "assigned_by": a.assigned_by,
        "approved_by": a.approved_by,
        "assigned_on": a.assigned_on,
        "skips": [
            {"appraiser_id": s.appraiser_id, "name": s.name, "reason": s.reason} for s in a.skips
        ],
        "replaced": a.replaced,
        "replaced_reason": a.replaced_reason,
        "refund_owed": a.refund_owed,
    }


def roster_entry_json(e: pb.RosterEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "name": e.name,
        "category": name_of(APPRAISER_CATEGORIES, e.category),
        "position": e.position,
        "standing": name_of(APPRAISER_STANDINGS, e.standing_today),
        "standing_label": APPRAISER_STANDING_LABELS.get(e.standing_today, ""),
        "until": e.until,
    }


def log_entry_json(e: pb.RotationLogEntry) -> dict[str, Any]:
    content = json.loads(e.content_json or "{}")
    return {
        "sequence": e.sequence,
        "kind": name_of(ROTATION_LOG_KINDS, e.kind),
        "kind_label": ROTATION_LOG_KIND_LABELS.get(e.kind, ""),
        "day": content.get("day", ""),
        "appraiser_id": content.get("appraiser_id", ""),
        "case_number": content.get("case_number", ""),
        "division": content.get("division", ""),
        "by": content.get("by", ""),
        "approved_by": content.get("approved_by", ""),
        "ground": content.get("ground", ""),
        "reason": content.get("reason", ""),
        "content": e.content_json,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


def fairness_row_json(r: pb.FairnessRow) -> dict[str, Any]:
    category = name_of(APPRAISER_CATEGORIES, r.category)
    return {
        "appraiser_id": r.appraiser_id,
        "name": r.name,
        "category": category,
        "category_label": APPRAISER_CATEGORY_LABELS.get(category, ""),
        "assigned": r.assigned,
        "skipped": r.skipped,
        "exceptions": r.exceptions,
        "replaced": r.replaced,
    }

"""Printing submits a set: when it may, and the fingerprint that names what it showed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from jes_domain import FailedPrecondition
from jes_photo_storage.domain.records import PhotoRecord, SetRecord, formal_case_number
from jes_photo_storage.domain.status import Event, SetState, next_state

NO_PHOTOS = "尚未上傳任何照片，無法列印"
CHANGED_WHILE_RENDERING = "列印期間照片已被修改，請重新列印"


def printed_state(state: SetState, photo_count: int) -> SetState:
    """The state a print leads to; a set without photos has nothing to print, and a
    submitted set is exactly what the court already has."""
    if photo_count == 0:
        raise FailedPrecondition(NO_PHOTOS)
    return next_state(state, Event.PRINT)


def check_unchanged_while_rendering(rendered_version: int, current_version: int) -> None:
    """The report shows the version it was rendered from; another tab may have changed
    the set meanwhile."""
    if rendered_version != current_version:
        raise FailedPrecondition(CHANGED_WHILE_RENDERING)


def fingerprint(photo_set: SetRecord, photos: Sequence[PhotoRecord]) -> str:
    """sha256 over everything a print shows (and each image's hash, in order), so two
    prints match exactly when they show the same thing."""
    canonical = {
        "set": [
            photo_set.id,
            photo_set.court_code,
            photo_set.division,
            formal_case_number(photo_set),
            photo_set.batch,
            photo_set.firm_name,
            photo_set.version,
        ],
        "photos": [
            [
                p.id,
                p.sequence,
                p.sha256,
                p.placement,
                p.orientation,
                p.auction_target,
                p.description,
                p.remark,
            ]
            for p in photos
        ],
    }
    encoded = json.dumps(canonical, ensure_ascii=False, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()

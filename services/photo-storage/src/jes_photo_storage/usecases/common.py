"""What every use case shares: the service's parts, the caller, loading a set the caller
may read or change, and recording a change (version, status, event, audit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes_auth import Claims
from jes_db import Database, utcnow
from jes_db.audit import Actor
from jes_domain import Aborted, NotFound
from jes_events import Outbox
from jes_photo_storage.domain import access
from jes_photo_storage.domain.status import (
    DRAFT,
    Event,
    SetState,
    next_state,
    state_of,
    voids_submission,
)
from jes_photo_storage.messages import Messages
from jes_photo_storage.models import Photo, PhotoSet, audit_log
from jes_photo_storage.reports import Reports
from jes_photo_storage.storage import PhotoObjects
from jes_servicekit.audit import actor_of

SET_NOT_FOUND = "找不到這組照片"
PHOTO_NOT_FOUND = "找不到這張照片"
STALE_VERSION = "此案件已在其他視窗或由他人修改，請重新整理後再試"


@dataclass(frozen=True)
class Parts:
    """The service's parts a use case works with (built by app.py)."""

    db: Database
    outbox: Outbox
    objects: PhotoObjects
    reports: Reports
    messages: Messages


@dataclass(frozen=True)
class Call:
    """Who calls, and the request id their events carry."""

    claims: Claims
    trace_id: str = ""


def state_of_set(photo_set: PhotoSet) -> SetState:
    return state_of(photo_set.status, photo_set.changed_since_print)


def with_photos(photo_set: PhotoSet) -> PhotoSet:
    """Loads the set's photos inside the transaction, so the set can be shown after it."""
    _ = photo_set.photos
    return photo_set


def readable_set(session: Session, call: Call, photo_set_id: str) -> PhotoSet:
    claims = access.require_reader(call.claims)
    photo_set = session.get(PhotoSet, photo_set_id)
    if photo_set is None or not access.may_read(claims, photo_set):
        raise NotFound(SET_NOT_FOUND)
    return photo_set


def set_to_change(
    session: Session, call: Call, photo_set_id: str, expected_version: int | None
) -> PhotoSet:
    """The caller's own set, locked for this transaction; None = no version check."""
    claims = access.require_firm(call.claims)
    # FOR UPDATE (PostgreSQL): two changes of one set queue, so the version check holds.
    photo_set = session.get(PhotoSet, photo_set_id, with_for_update=True)
    if photo_set is None or not access.owns(claims, photo_set):
        raise NotFound(SET_NOT_FOUND)
    next_state(state_of_set(photo_set), Event.EDIT)  # refused when the set is locked
    if expected_version is not None and photo_set.version != expected_version:
        raise Aborted(STALE_VERSION)
    return photo_set


def photo_to_change(
    session: Session, call: Call, photo_id: str, expected_version: int
) -> tuple[PhotoSet, Photo]:
    access.require_firm(call.claims)
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise NotFound(PHOTO_NOT_FOUND)
    try:
        photo_set = set_to_change(session, call, photo.photo_set_id, expected_version)
    except NotFound:
        raise NotFound(PHOTO_NOT_FOUND) from None
    return photo_set, photo


def record_change(
    parts: Parts,
    session: Session,
    call: Call,
    photo_set: PhotoSet,
    action: str,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Every change bumps the version; after a print it voids the print and is logged."""
    photo_set.version += 1
    photo_set.updated_at = utcnow()
    was = state_of_set(photo_set)
    if was == DRAFT:  # nothing submitted, nothing to log
        return
    now = next_state(was, Event.EDIT)
    photo_set.status, photo_set.changed_since_print = now.status, now.changed_since_print
    if voids_submission(was, now):  # once per print: later edits find it already void
        parts.outbox.add(
            session,
            pb.PhotoSetChangedAfterPrint(
                photo_set=parts.messages.photo_set(photo_set, with_photos=False),
                fingerprint=photo_set.last_fingerprint,
            ),
            subject=photo_set.id,
            trace_id=call.trace_id,
        )
    audit(session, call, photo_set, action, before=before, after=after)


def audit(
    session: Session,
    call: Call,
    photo_set: PhotoSet,
    action: str,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    actor: Actor | None = None,
) -> None:
    audit_log.record(
        session,
        actor or actor_of(call.claims),
        action,
        subject_type="photo_set",
        subject_id=photo_set.id,
        court_code=photo_set.court_code,
        before=before,
        after=after,
    )

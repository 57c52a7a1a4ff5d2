"""A set's photos: upload, edit, replace the image, delete, reorder."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes_db import new_id
from jes_photo_storage.domain import photos as photo_rules
from jes_photo_storage.domain import validation
from jes_photo_storage.domain.records import audit_value, image_fields, photo_fields
from jes_photo_storage.domain.vocabulary import views_to_text
from jes_photo_storage.images import Upload
from jes_photo_storage.models import Photo, PhotoSet
from jes_photo_storage.storage import no_longer_needed
from jes_photo_storage.usecases.common import (
    Call,
    Parts,
    photo_to_change,
    record_change,
    set_to_change,
    with_photos,
)


@dataclass(frozen=True)
class PhotoFields:
    """What the firm tells about a photo; "" placement = none, "" orientation = from the
    image (upload) or unchanged (edit), sequence 0 = at the end (upload) or unchanged."""

    placement: str
    orientation: str
    auction_target: str
    description: str
    remark: str
    views: list[str]
    sequence: int


def _count_with_room_for_one_more(session: Session, photo_set: PhotoSet) -> int:
    """How many photos the set holds; refused when another would not fit."""
    count = int(
        session.scalar(
            select(func.count()).select_from(Photo).where(Photo.photo_set_id == photo_set.id)
        )
        or 0
    )
    photo_rules.check_room(count)
    return count


def upload(
    parts: Parts,
    call: Call,
    photo_set_id: str,
    expected_version: int | None,
    fields: PhotoFields,
    upload: Upload,
) -> tuple[Photo, bool]:
    """A new photo (its derivatives written first); answers it and whether another photo
    of the set shows the same image."""
    texts = validation.photo_texts(
        fields.auction_target, fields.description, fields.remark, fields.sequence
    )
    # Cheap checks before the expensive decoding; repeated in the transaction below.
    with parts.db.transaction() as session:
        photo_set = set_to_change(session, call, photo_set_id, expected_version)
        _count_with_room_for_one_more(session, photo_set)
    photo_id = new_id()
    image = parts.objects.store_image(f"{photo_set_id}/{photo_id}", upload)
    with parts.objects.until_commit(image), parts.db.transaction() as session:
        photo_set = set_to_change(session, call, photo_set_id, expected_version)
        count = _count_with_room_for_one_more(session, photo_set)
        sequence = fields.sequence or count + 1
        validation.check_sequence(sequence, count + 1)
        photo_rules.make_room(photo_set.photos, sequence)
        photo = Photo(
            id=photo_id,
            sequence=sequence,
            placement=fields.placement,
            orientation=fields.orientation or ("landscape" if image.landscape else "portrait"),
            auction_target=texts.auction_target,
            description=texts.description,
            remark=texts.remark,
            views=views_to_text(fields.views),
            width=image.width,
            height=image.height,
            sha256=image.sha256,
            content_type=image.content_type,
            **image.keys,
        )
        photo_set.photos.append(photo)
        session.flush()
        record_change(
            parts,
            session,
            call,
            photo_set,
            "photo.uploaded",
            before=None,
            after=photo_fields(photo),
        )
        duplicate = photo_rules.has_twin(photo, photo_set.photos)
        parts.outbox.add(
            session,
            pb.PhotoUploaded(
                photo=parts.messages.photo(photo, duplicate=duplicate),
                court_code=photo_set.court_code,
            ),
            subject=photo_set.id,
            trace_id=call.trace_id,
        )
    return photo, duplicate


def update(
    parts: Parts, call: Call, photo_id: str, expected_version: int, fields: PhotoFields
) -> tuple[Photo, bool]:
    """The edit form sends every field; saving it unchanged voids nothing."""
    texts = validation.photo_texts(
        fields.auction_target, fields.description, fields.remark, fields.sequence
    )
    with parts.db.transaction() as session:
        photo_set, photo = photo_to_change(session, call, photo_id, expected_version)
        validation.check_sequence(fields.sequence, len(photo_set.photos))
        wanted = {
            "placement": fields.placement,
            "orientation": fields.orientation or photo.orientation,
            "auction_target": texts.auction_target,
            "description": texts.description,
            "remark": texts.remark,
            "views": views_to_text(fields.views),
        }
        before = {"photo_id": photo.id, "sequence": photo.sequence}
        after = dict(before)
        for name, value in wanted.items():
            if getattr(photo, name) != value:
                before[name] = audit_value(name, getattr(photo, name))
                after[name] = audit_value(name, value)
                setattr(photo, name, value)
        new_sequence = fields.sequence or photo.sequence
        if new_sequence != photo.sequence:
            photo_rules.move(photo_set.photos, photo, new_sequence)
            after["sequence"] = new_sequence
        if before != after:
            record_change(
                parts, session, call, photo_set, "photo.updated", before=before, after=after
            )
        return photo, photo_rules.has_twin(photo, photo_set.photos)


def replace_image(
    parts: Parts, call: Call, photo_id: str, expected_version: int, upload: Upload
) -> tuple[Photo, bool]:
    """A new image for a photo; its fields and sequence stay, its orientation follows the
    new image."""
    with parts.db.transaction() as session:
        photo_set, photo = photo_to_change(session, call, photo_id, expected_version)
        photo_set_id = photo_set.id
    # A folder of its own: the new image never overwrites what the committed row (or a
    # print's snapshot) points at.
    image = parts.objects.store_image(f"{photo_set_id}/{photo_id}/{new_id()}", upload)
    with parts.objects.until_commit(image), parts.db.transaction() as session:
        photo_set, photo = photo_to_change(session, call, photo_id, expected_version)
        old_objects = no_longer_needed(photo)
        before = image_fields(photo)
        for name, key in image.keys.items():
            setattr(photo, name, key)
        photo.width, photo.height = image.width, image.height
        photo.sha256 = image.sha256
        photo.content_type = image.content_type
        photo.orientation = "landscape" if image.landscape else "portrait"
        photo.image_printed = False
        record_change(
            parts,
            session,
            call,
            photo_set,
            "photo.image_replaced",
            before=before,
            after=image_fields(photo),
        )
        duplicate = photo_rules.has_twin(photo, photo_set.photos)
    parts.objects.delete(old_objects)  # only now that no row points at them
    return photo, duplicate


def delete(parts: Parts, call: Call, photo_id: str, expected_version: int) -> PhotoSet:
    with parts.db.transaction() as session:
        photo_set, photo = photo_to_change(session, call, photo_id, expected_version)
        old_objects = no_longer_needed(photo)
        before = photo_fields(photo)
        photo_rules.close_gap(photo_set.photos, photo)
        photo_set.photos.remove(photo)  # delete-orphan: the row goes at the flush
        record_change(parts, session, call, photo_set, "photo.deleted", before=before, after=None)
    parts.objects.delete(old_objects)
    return photo_set


def reorder(
    parts: Parts, call: Call, photo_set_id: str, expected_version: int, photo_ids: list[str]
) -> PhotoSet:
    """The set's photos in a new order; the same order voids nothing."""
    with parts.db.transaction() as session:
        photo_set = set_to_change(session, call, photo_set_id, expected_version)
        photos = photo_rules.by_sequence(photo_set.photos)
        validation.check_order(photo_ids, (p.id for p in photos))
        by_id = {p.id: p for p in photos}
        before = [p.id for p in photos]
        if photo_ids != before:
            for sequence, photo_id in enumerate(photo_ids, start=1):
                by_id[photo_id].sequence = sequence
            record_change(
                parts,
                session,
                call,
                photo_set,
                "photo_set.reordered",
                before={"order": before},
                after={"order": photo_ids},
            )
        return with_photos(photo_set)

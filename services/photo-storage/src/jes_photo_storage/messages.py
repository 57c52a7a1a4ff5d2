"""Rows as the contract's messages: for replies and for the events the service publishes."""

from __future__ import annotations

import json
import math
from collections import Counter

from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes_photo_storage.domain.checklist import ShownPhoto, checklist
from jes_photo_storage.domain.photos import by_sequence
from jes_photo_storage.domain.records import formal_case_number
from jes_photo_storage.domain.snapshots import Change
from jes_photo_storage.domain.status import PhotoSetStatus
from jes_photo_storage.domain.vocabulary import (
    ORIENTATIONS,
    PLACEMENTS,
    PROPERTY_TYPES,
    STATUSES,
    VIEWS,
    views_from_text,
)
from jes_photo_storage.models import Photo, PhotoSet, Print
from jes_photo_storage.storage import PhotoObjects


def case_number(photo_set: PhotoSet) -> pb.CaseNumber:
    return pb.CaseNumber(
        year=photo_set.case_year, word=photo_set.case_word, number=photo_set.case_number
    )


class Messages:
    def __init__(self, objects: PhotoObjects):
        self.url = objects.url

    def photo(self, photo: Photo, *, duplicate: bool = False) -> pb.Photo:
        return pb.Photo(
            id=photo.id,
            photo_set_id=photo.photo_set_id,
            sequence=photo.sequence,
            placement=PLACEMENTS.get(photo.placement, pb.PLACEMENT_UNSPECIFIED),
            orientation=ORIENTATIONS.get(photo.orientation, pb.ORIENTATION_UNSPECIFIED),
            auction_target=photo.auction_target,
            description=photo.description,
            remark=photo.remark,
            width=photo.width,
            height=photo.height,
            sha256=photo.sha256,
            original_key=photo.original_key,
            thumbnail_key=photo.thumbnail_key,
            report_key=photo.report_key,
            public_key=photo.public_key,
            views=[VIEWS[name] for name in views_from_text(photo.views)],
            duplicate=duplicate,
            rejection_reason=photo.rejection_reason,
            thumbnail_url=self.url(photo.thumbnail_key),
            image_url=self.url(photo.report_key),
            public_url=self.url(photo.public_key),
            content_type=photo.content_type,
        )

    def photo_set(
        self,
        photo_set: PhotoSet,
        *,
        with_photos: bool = True,
        page: int = 0,
        page_size: int = 0,
    ) -> pb.PhotoSet:
        """The set; with its photos (one page when page_size > 0) and its checklist."""
        # Sorted here: sequences may have changed in this session after the list loaded.
        photos = by_sequence(photo_set.photos)
        message = pb.PhotoSet(
            id=photo_set.id,
            court_code=photo_set.court_code,
            division=photo_set.division,
            case_number=case_number(photo_set),
            batch=photo_set.batch,
            firm_account_id=photo_set.firm_account_id,
            status=STATUSES[PhotoSetStatus(photo_set.status)],
            version=photo_set.version,
            firm_name=photo_set.firm_name,
            property_type=PROPERTY_TYPES.get(photo_set.property_type, pb.PROPERTY_TYPE_UNSPECIFIED),
            photo_count=len(photos),
            changed_since_print=photo_set.changed_since_print,
            last_fingerprint=photo_set.last_fingerprint,
            review_note=photo_set.review_note,
            case_number_text=formal_case_number(photo_set),
        )
        message.updated_at.FromDatetime(photo_set.updated_at)
        if photo_set.last_printed_at is not None:
            message.last_printed_at.FromDatetime(photo_set.last_printed_at)
        if not with_photos:
            return message
        shown = photos
        message.page_count = 1
        if page_size > 0:
            message.page_count = max(1, math.ceil(len(photos) / page_size))
            # A page beyond the last (e.g. after deleting its only photo) shows the last.
            message.page = min(max(page, 1), message.page_count)
            shown = photos[(message.page - 1) * page_size : message.page * page_size]
        hashes = Counter(p.sha256 for p in photos)
        message.photos.extend(self.photo(p, duplicate=hashes[p.sha256] > 1) for p in shown)
        message.checklist.extend(
            pb.ChecklistItem(
                view=VIEWS[item.view],
                label=item.label,
                satisfied=item.satisfied,
                warning=item.warning,
                sequences=item.sequences,
                hint=item.hint,
            )
            for item in checklist(
                photo_set.property_type,
                (
                    ShownPhoto(p.sequence, tuple(views_from_text(p.views)), p.placement)
                    for p in photos
                ),
            )
        )
        return message

    def public_photo_set(self, photo_set: PhotoSet) -> pb.PhotoSet:
        """For anyone: the case and the public copies, nothing about the firm or the review."""
        photos = by_sequence(photo_set.photos)
        return pb.PhotoSet(
            id=photo_set.id,
            court_code=photo_set.court_code,
            division=photo_set.division,
            case_number=case_number(photo_set),
            batch=photo_set.batch,
            status=STATUSES[PhotoSetStatus(photo_set.status)],
            photo_count=len(photos),
            case_number_text=formal_case_number(photo_set),
            photos=[
                pb.Photo(
                    id=p.id,
                    photo_set_id=p.photo_set_id,
                    sequence=p.sequence,
                    placement=PLACEMENTS.get(p.placement, pb.PLACEMENT_UNSPECIFIED),
                    orientation=ORIENTATIONS.get(p.orientation, pb.ORIENTATION_UNSPECIFIED),
                    auction_target=p.auction_target,
                    description=p.description,
                    width=p.width,
                    height=p.height,
                    public_url=self.url(p.public_key),
                )
                for p in photos
            ],
        )

    def change(self, change: Change) -> pb.PhotoChange:
        return pb.PhotoChange(
            photo_id=change.photo_id,
            change=change.change,
            sequence_before=change.sequence_before,
            sequence_after=change.sequence_after,
            fields=change.fields,
            summary=change.summary,
            thumbnail_url=self.url(change.thumbnail_key),
            thumbnail_before_url=(
                self.url(change.thumbnail_key_before) if change.thumbnail_key_before else ""
            ),
        )


def print_record(row: Print, report_url: str) -> pb.PrintRecord:
    record = pb.PrintRecord(
        id=row.id,
        photo_set_id=row.photo_set_id,
        set_version=row.set_version,
        fingerprint=row.fingerprint,
        report_id=row.report_id,
        pages=row.pages,
        printed_by=row.printed_by,
        report_url=report_url,
        photo_count=row.photo_count,
        checklist_warnings=json.loads(row.checklist_warnings_json or "[]"),
    )
    record.printed_at.FromDatetime(row.created_at)
    return record

"""Printing (= submitting to the court) and what the prints show: the list of prints, the
changes between two of them, the set's history."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes.report_render.v1 import report_render_pb2 as render_pb
from jes_db import utcnow
from jes_db.audit import AuditRecord
from jes_domain import NotFound
from jes_photo_storage.domain import access, printing, validation
from jes_photo_storage.domain.checklist import ShownPhoto, checklist, printed_warnings
from jes_photo_storage.domain.photos import by_sequence
from jes_photo_storage.domain.records import formal_case_number
from jes_photo_storage.domain.snapshots import Change, diff, photo_snapshot
from jes_photo_storage.domain.vocabulary import (
    ORIENTATION_LABELS,
    PLACEMENT_LABELS,
    views_from_text,
)
from jes_photo_storage.models import Photo, PhotoSet, Print, audit_log
from jes_photo_storage.usecases.common import (
    Call,
    Parts,
    audit,
    readable_set,
    set_to_change,
    state_of_set,
    with_photos,
)
from jes_zhtw import court_by_code

log = logging.getLogger("jes.photo_storage")


@dataclass(frozen=True)
class Printed:
    photo_set: PhotoSet
    report_id: str
    fingerprint: str
    pages: int
    report_url: str


def _render_request(
    parts: Parts,
    call: Call,
    photo_set: PhotoSet,
    photos: list[Photo],
    fingerprint: str,
    print_number: int,
) -> render_pb.RenderPhotoReportRequest:
    return render_pb.RenderPhotoReportRequest(
        photo_set_id=photo_set.id,
        court_name=court_by_code(photo_set.court_code).name,
        division=photo_set.division,
        case_number=formal_case_number(photo_set),
        batch=photo_set.batch,
        firm_name=photo_set.firm_name,
        fingerprint=fingerprint,
        set_version=photo_set.version,
        printed_by=call.claims.display_id,  # the footer's 列印帳號: the login name, e.g. TPDF0001
        owner_account_id=photo_set.firm_account_id,  # whose report link it is
        court_code=photo_set.court_code,
        print_number=print_number,  # the footer: 第 N 次列印 (a version means nothing to people)
        photos=[
            render_pb.ReportPhoto(
                sequence=p.sequence,
                placement=PLACEMENT_LABELS.get(p.placement, ""),
                orientation=ORIENTATION_LABELS.get(p.orientation, ""),
                auction_target=p.auction_target,
                description=p.description,
                remark=p.remark,
                image_key=p.report_key,  # report-render reads it itself: no URL
            )
            for p in photos
        ],
    )


def print_set(parts: Parts, call: Call, photo_set_id: str, expected_version: int | None) -> Printed:
    """Renders the report of the set's current version, then records the print (the set
    is submitted) unless the set changed while rendering."""
    access.require_firm(call.claims)
    with parts.db.transaction() as session:
        photo_set = set_to_change(session, call, photo_set_id, expected_version)
        printing.printed_state(state_of_set(photo_set), len(photo_set.photos))
        version = photo_set.version
        photos = by_sequence(photo_set.photos)
        print_fingerprint = printing.fingerprint(photo_set, photos)
        earlier_prints = session.scalar(
            select(func.count()).select_from(Print).where(Print.photo_set_id == photo_set.id)
        )
        render_request = _render_request(
            parts, call, photo_set, photos, print_fingerprint, (earlier_prints or 0) + 1
        )
    report = parts.reports.render(render_request)
    with parts.db.transaction() as session:
        photo_set = set_to_change(session, call, photo_set_id, None)
        printing.check_unchanged_while_rendering(version, photo_set.version)
        # another tab may have printed it meanwhile
        submitted = printing.printed_state(state_of_set(photo_set), len(photo_set.photos))
        photos = by_sequence(photo_set.photos)
        previous_fingerprint = photo_set.last_fingerprint
        before = {"status": photo_set.status, "fingerprint": previous_fingerprint}
        now = utcnow()
        photo_set.status, photo_set.changed_since_print = (
            submitted.status,
            submitted.changed_since_print,
        )
        photo_set.last_fingerprint = print_fingerprint
        photo_set.last_printed_at = now
        photo_set.review_note = ""  # the last decision's note and reasons are answered
        photo_set.updated_at = now
        for photo in photos:
            photo.rejection_reason = ""
            photo.image_printed = True
        session.add(
            Print(
                photo_set_id=photo_set.id,
                set_version=version,
                fingerprint=print_fingerprint,
                report_id=report.id,
                pages=report.pages,
                printed_by=call.claims.subject,
                photo_count=len(photos),
                snapshot_json=json.dumps([photo_snapshot(p) for p in photos], ensure_ascii=False),
                checklist_warnings_json=json.dumps(
                    printed_warnings(
                        checklist(
                            photo_set.property_type,
                            (
                                ShownPhoto(p.sequence, tuple(views_from_text(p.views)), p.placement)
                                for p in photos
                            ),
                        )
                    ),
                    ensure_ascii=False,
                ),
                created_at=now,
            )
        )
        audit(
            session,
            call,
            photo_set,
            "photo_set.printed",
            before=before,
            after={
                "status": photo_set.status,
                "fingerprint": print_fingerprint,
                "report_id": report.id,
                "pages": report.pages,
                "version": version,
                "photo_count": len(photos),
            },
        )
        parts.outbox.add(
            session,
            pb.PhotoSetSubmitted(
                photo_set=parts.messages.photo_set(photo_set, with_photos=False),
                report_id=report.id,
                fingerprint=print_fingerprint,
                previous_fingerprint=previous_fingerprint,
                pages=report.pages,
            ),
            subject=photo_set.id,
            trace_id=call.trace_id,
        )
    log.info("photo set %s printed as report %s", photo_set_id, report.id)
    return Printed(
        photo_set=photo_set,
        report_id=report.id,
        fingerprint=print_fingerprint,
        pages=report.pages,
        report_url=parts.reports.urls([report.id]).get(report.id, ""),
    )


def list_prints(parts: Parts, call: Call, photo_set_id: str) -> list[tuple[Print, str]]:
    """Every print of the set, newest first, each with its report's URL."""
    with parts.db.transaction() as session:
        photo_set = readable_set(session, call, photo_set_id)
        prints = session.scalars(
            select(Print)
            .where(Print.photo_set_id == photo_set.id)
            .order_by(Print.created_at.desc(), Print.set_version.desc())
        ).all()
    urls = parts.reports.urls([p.report_id for p in prints])
    return [(row, urls.get(row.report_id, "")) for row in prints]


def _snapshot_of_print(
    session: Session, photo_set: PhotoSet, print_fingerprint: str
) -> list[dict[str, Any]]:
    validation.check_print_chosen(print_fingerprint)
    row = session.scalar(
        select(Print)
        .where(Print.photo_set_id == photo_set.id, Print.fingerprint == print_fingerprint)
        .order_by(Print.created_at.desc())
        .limit(1)
    )
    if row is None:
        raise NotFound("找不到此列印版本")
    snapshot: list[dict[str, Any]] = json.loads(row.snapshot_json)
    return snapshot


def diff_prints(
    parts: Parts, call: Call, photo_set_id: str, from_fingerprint: str, to_fingerprint: str
) -> list[Change]:
    """What changed from one print to another, or to the set as it is now ("" = now)."""
    with parts.db.transaction() as session:
        photo_set = readable_set(session, call, photo_set_id)
        before = _snapshot_of_print(session, photo_set, from_fingerprint)
        if to_fingerprint:
            after = _snapshot_of_print(session, photo_set, to_fingerprint)
        else:
            after = [photo_snapshot(p) for p in by_sequence(with_photos(photo_set).photos)]
    return diff(before, after)


def history(parts: Parts, call: Call, photo_set_id: str) -> list[AuditRecord]:
    with parts.db.transaction() as session:
        photo_set = readable_set(session, call, photo_set_id)
        return audit_log.entries(session, subject_ids=[photo_set.id])

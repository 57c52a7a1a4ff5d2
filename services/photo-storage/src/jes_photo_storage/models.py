"""Photo-storage's own tables: sets, photos, prints, applied review decisions, audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from jes_db import TYPE_ANNOTATION_MAP, new_id, utcnow
from jes_db.audit import AuditLog
from jes_events import add_event_tables
from jes_photo_storage.domain.status import PhotoSetStatus


class PhotoBase(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class PhotoSet(PhotoBase):
    """One firm's photos for one case batch (seed 000: 法院, 股別, 案號, 批次)."""

    __tablename__ = "photo_sets"
    __table_args__ = (
        UniqueConstraint(
            "court_code", "division", "case_year", "case_word", "case_number", "batch"
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    court_code: Mapped[str] = mapped_column(String(3), index=True)
    division: Mapped[str] = mapped_column(String(20))
    case_year: Mapped[int]
    case_word: Mapped[str] = mapped_column(String(10))
    case_number: Mapped[int]
    batch: Mapped[int] = mapped_column(default=1)
    firm_account_id: Mapped[str] = mapped_column(String(36), index=True)
    firm_name: Mapped[str] = mapped_column(String(100), default="")
    # A PhotoSetStatus; how it changes: domain/status.py
    status: Mapped[str] = mapped_column(String(30), default=PhotoSetStatus.DRAFT.value)
    # Bumped by every change; a print fingerprints exactly one version.
    version: Mapped[int] = mapped_column(default=1)
    # ground_floor, top_floor, detached, other, "" (drives the completeness checklist)
    property_type: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # True when the set was changed after its last print (also while it stays rejected).
    changed_since_print: Mapped[bool] = mapped_column(default=False, server_default="0")
    last_fingerprint: Mapped[str] = mapped_column(String(64), default="", server_default="")
    last_printed_at: Mapped[datetime | None] = mapped_column(default=None)
    review_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    photos: Mapped[list[Photo]] = relationship(
        back_populates="photo_set", order_by="Photo.sequence", cascade="all, delete-orphan"
    )


class Photo(PhotoBase):
    __tablename__ = "photos"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    photo_set_id: Mapped[str] = mapped_column(ForeignKey("photo_sets.id"), index=True)
    sequence: Mapped[int]
    placement: Mapped[str] = mapped_column(String(10), default="")  # indoor / outdoor
    orientation: Mapped[str] = mapped_column(String(10))  # landscape / portrait
    auction_target: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    remark: Mapped[str] = mapped_column(Text, default="")
    # Comma-separated view names (interior,front,...), sorted: what the photo shows.
    views: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # The court's reason from the last rejection; cleared by the next print.
    rejection_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    width: Mapped[int]
    height: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    original_key: Mapped[str] = mapped_column(String(200))
    thumbnail_key: Mapped[str] = mapped_column(String(200))
    report_key: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[str] = mapped_column(String(200))
    # True once a print's snapshot names this image's thumbnail: the thumbnail is then
    # kept when the image is replaced or the photo deleted, so diffs can still show it.
    image_printed: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    photo_set: Mapped[PhotoSet] = relationship(back_populates="photos")


class Print(PhotoBase):
    """Every print is kept, so the court can see earlier versions and what changed."""

    __tablename__ = "prints"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    photo_set_id: Mapped[str] = mapped_column(ForeignKey("photo_sets.id"), index=True)
    set_version: Mapped[int]
    fingerprint: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[str] = mapped_column(String(36))
    pages: Mapped[int]
    printed_by: Mapped[str] = mapped_column(String(36))
    photo_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # JSON list of the printed photos (id, sequence, fields, sha256, thumbnail key).
    snapshot_json: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    # JSON list of the checklist's warnings when printed ("背面：尚無…"), for the clerk.
    checklist_warnings_json: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AppliedDecision(PhotoBase):
    """Review decisions already applied, so review-workflow may safely retry one."""

    __tablename__ = "applied_decisions"

    decision_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    photo_set_id: Mapped[str] = mapped_column(ForeignKey("photo_sets.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(10))  # approve / reject
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)


event_tables = add_event_tables(PhotoBase.metadata)
audit_log = AuditLog(PhotoBase.metadata)
metadata = PhotoBase.metadata

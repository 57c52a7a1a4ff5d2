"""Photo-storage's own tables: sets, photos, prints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from jes_db import TYPE_ANNOTATION_MAP, new_id, utcnow
from jes_events import add_event_tables


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
    status: Mapped[str] = mapped_column(String(30), default="draft")
    # Bumped by every change; a print fingerprints exactly one version.
    version: Mapped[int] = mapped_column(default=1)
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
    width: Mapped[int]
    height: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    original_key: Mapped[str] = mapped_column(String(200))
    thumbnail_key: Mapped[str] = mapped_column(String(200))
    report_key: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    photo_set: Mapped[PhotoSet] = relationship(back_populates="photos")


class Print(PhotoBase):
    """Every print is kept, so the court can see earlier versions."""

    __tablename__ = "prints"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    photo_set_id: Mapped[str] = mapped_column(ForeignKey("photo_sets.id"), index=True)
    set_version: Mapped[int]
    fingerprint: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[str] = mapped_column(String(36))
    pages: Mapped[int]
    printed_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


event_tables = add_event_tables(PhotoBase.metadata)
metadata = PhotoBase.metadata

"""Review-workflow's own tables: submissions waiting for a court decision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jes_db import TYPE_ANNOTATION_MAP, new_id, utcnow
from jes_events import add_event_tables


class ReviewBase(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class Submission(ReviewBase):
    """One printed version of a photo set handed to the court."""

    __tablename__ = "submissions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    photo_set_id: Mapped[str] = mapped_column(String(36), index=True)
    court_code: Mapped[str] = mapped_column(String(3), index=True)
    case_number: Mapped[str] = mapped_column(String(40))
    report_id: Mapped[str] = mapped_column(String(36))
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    firm_name: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


event_tables = add_event_tables(ReviewBase.metadata)
metadata = ReviewBase.metadata

"""Case-sync's own tables: cases, their progress entries, and who follows them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jes_db import TYPE_ANNOTATION_MAP, new_id, utcnow
from jes_events import add_event_tables


class CaseBase(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class Case(CaseBase):
    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("court_code", "category", "year", "word", "number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    court_code: Mapped[str] = mapped_column(String(3))
    category: Mapped[str] = mapped_column(String(4))  # 民事 刑事 家事 行政
    year: Mapped[int]
    word: Mapped[str] = mapped_column(String(10))
    number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProgressEntry(CaseBase):
    __tablename__ = "progress_entries"
    __table_args__ = (UniqueConstraint("case_id", "source_entry_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    source_entry_id: Mapped[str] = mapped_column(String(64))
    posted_on: Mapped[date]
    item: Mapped[str] = mapped_column(Text)
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)


class Follower(CaseBase):
    __tablename__ = "followers"
    __table_args__ = (UniqueConstraint("case_id", "email"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


event_tables = add_event_tables(CaseBase.metadata)
metadata = CaseBase.metadata

"""Case-sync's own tables: cases, their progress entries, who follows them, readers'
visits and feeds, and what each court system sent last."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jes_db import TYPE_ANNOTATION_MAP, new_id, utcnow
from jes_db.audit import AuditLog
from jes_events import add_event_tables


class CaseBase(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class Case(CaseBase):
    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("court_code", "category", "year", "word", "number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    court_code: Mapped[str] = mapped_column(String(3))
    category: Mapped[str] = mapped_column(String(4))  # 民事 家事 刑事 行政
    year: Mapped[int]
    word: Mapped[str] = mapped_column(String(10))
    number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending")
    status_effective_on: Mapped[date | None]
    # the court system's time of the last status / details change (stale ones are ignored)
    status_changed_at: Mapped[datetime | None]
    details_changed_at: Mapped[datetime | None]
    # the cut-off clock (domain.statuses): None = no clock
    cut_off_on: Mapped[date | None] = mapped_column(index=True)
    warn_on: Mapped[date | None] = mapped_column(index=True)
    # the cut_off_on whose warning / end was announced (once per clock)
    warned_for: Mapped[date | None]
    ended_for: Mapped[date | None]
    division: Mapped[str] = mapped_column(String(20), default="", server_default="")
    cause: Mapped[str] = mapped_column(String(100), default="", server_default="")
    last_changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseProsecutor(CaseBase):
    """A prosecutor the court data name for a case (their identifier)."""

    __tablename__ = "case_prosecutors"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    prosecutor_id: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class ProgressEntry(CaseBase):
    __tablename__ = "progress_entries"
    __table_args__ = (
        UniqueConstraint("case_id", "source_entry_id"),
        # the case page's keyset order: newest posting date first, then latest arrival
        Index("ix_progress_entries_page", "case_id", "posted_on", "ingested_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    source_entry_id: Mapped[str] = mapped_column(String(64))
    posted_on: Mapped[date]
    item: Mapped[str] = mapped_column(Text)
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    hearing_at: Mapped[str] = mapped_column(String(16), default="", server_default="")  # local
    hearing_place: Mapped[str] = mapped_column(String(50), default="", server_default="")
    hearing_kind: Mapped[str] = mapped_column(String(50), default="", server_default="")
    changed_at: Mapped[datetime | None]  # the court system's time of the last change
    corrected_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    withdraw_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")


class Follower(CaseBase):
    """A follow: one approved application (one e-mail) for one case."""

    __tablename__ = "followers"
    __table_args__ = (UniqueConstraint("case_id", "email"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    account_id: Mapped[str] = mapped_column(String(36), default="", server_default="", index=True)
    account_username: Mapped[str] = mapped_column(String(20), default="", server_default="")
    status: Mapped[str] = mapped_column(String(10), default="active", server_default="active")
    applicant_name: Mapped[str] = mapped_column(String(50), default="", server_default="")
    application_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[str] = mapped_column(String(40), default="", server_default="")
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")


class CaseVisit(CaseBase):
    """When a reader last opened a case's page (what is new since is highlighted)."""

    __tablename__ = "case_visits"

    account_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    visited_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedToken(CaseBase):
    """A private feed address of one reader for one case (only the token's hash)."""

    __tablename__ = "feed_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # the ground its owner reads the case on: their follow, or their prosecutor id
    follow_id: Mapped[str] = mapped_column(String(36), default="", server_default="")
    prosecutor_id: Mapped[str] = mapped_column(String(40), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class IngestBatch(CaseBase):
    """A stream a court system sent (its batch id is never reused: a replay is refused)."""

    __tablename__ = "ingest_batches"

    court_code: Mapped[str] = mapped_column(String(3), primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    changes: Mapped[int]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class CourtSync(CaseBase):
    """The last time each court's system sent anything (資料更新至)."""

    __tablename__ = "court_syncs"

    court_code: Mapped[str] = mapped_column(String(3), primary_key=True)
    last_received_at: Mapped[datetime] = mapped_column(default=utcnow)


event_tables = add_event_tables(CaseBase.metadata)
audit_log = AuditLog(CaseBase.metadata)
metadata = CaseBase.metadata

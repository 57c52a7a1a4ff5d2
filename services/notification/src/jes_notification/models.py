"""Notification's own table: every e-mail to send and what became of it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jes_db import TYPE_ANNOTATION_MAP, utcnow
from jes_events import add_event_tables


class NotificationBase(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class Delivery(NotificationBase):
    """One e-mail. Its id is derived from (event id, recipient), so a replayed event
    cannot queue the same mail twice, and it is the mail's Message-ID."""

    __tablename__ = "deliveries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    template: Mapped[str] = mapped_column(String(50))
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # a one-time link's token only as a slot
    link_id: Mapped[str] = mapped_column(String(36), default="", server_default="")
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # RFC 8058 one-click unsubscribe: the URL a mail client POSTs to ("" = none)
    list_unsubscribe: Mapped[str] = mapped_column(String(300), default="", server_default="")


class CaseMailSubscription(NotificationBase):
    """How one address hears of one case (case-sync says who follows; this says how they
    want it mailed). `token` is the key in the mail's unsubscribe and settings links."""

    __tablename__ = "case_mail_subscriptions"
    __table_args__ = (
        UniqueConstraint("case_id", "recipient"),
        # a court system's query by its case key (ListCaseDeliveries)
        Index("ix_case_mail_subscriptions_case", "court_code", "case_number"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    # case-sync's follow (Follower.follow_id): the gateway asks by it; "" from older events
    follow_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    mode: Mapped[str] = mapped_column(String(20), default="immediate")
    court_code: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(10))
    case_number: Mapped[str] = mapped_column(String(40))  # dotted: 113.訴.000999
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProgressNotice(NotificationBase):
    """One progress entry for one follower. Its id is derived from (case, the court
    system's entry id, address): the same entry is never mailed twice to one person."""

    __tablename__ = "progress_notices"
    __table_args__ = (
        Index("ix_progress_notices_pending", "status", "due_at"),
        Index("ix_progress_notices_entry", "court_code", "source_entry_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("case_mail_subscriptions.id"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(64))
    court_code: Mapped[str] = mapped_column(String(10))
    source_entry_id: Mapped[str] = mapped_column(String(100))
    posted_on: Mapped[date] = mapped_column(Date)
    item: Mapped[str] = mapped_column(Text)
    hearing: Mapped[str] = mapped_column(String(200), default="")  # as the mail shows it
    status: Mapped[str] = mapped_column(String(10), default="pending")
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivery_id: Mapped[str | None] = mapped_column(String(36), index=True)


event_tables = add_event_tables(NotificationBase.metadata)
metadata = NotificationBase.metadata

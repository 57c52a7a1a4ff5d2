"""Notification's own table: every e-mail to send and what became of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
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


event_tables = add_event_tables(NotificationBase.metadata)
metadata = NotificationBase.metadata

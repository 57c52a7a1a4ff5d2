"""The two tables every event-producing or event-consuming service adds to its database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Index, LargeBinary, MetaData, String, Table

from jes_db import UTCDateTime

__all__ = ["EventTables", "add_event_tables"]


@dataclass(frozen=True)
class EventTables:
    outbox: Table
    processed_events: Table


def add_event_tables(metadata: MetaData) -> EventTables:
    """Define `outbox` and `processed_events` on a service's own metadata.

    The service's Alembic migrations create them like any of its tables, so the outbox
    lives in the same database (and commits in the same transaction) as the state.
    """
    outbox = Table(
        "outbox",
        metadata,
        Column("id", String(64), primary_key=True, comment="the event id"),
        Column("topic", String(255), nullable=False),
        Column("key", String(255), nullable=False, comment="the aggregate id (subject)"),
        Column("value", LargeBinary, nullable=False, comment="serialized Envelope"),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("published_at", UTCDateTime(), nullable=True),
        # The relay looks for `published_at IS NULL`; the purge for old `published_at`.
        Index("ix_outbox_published_at", "published_at"),
    )
    processed_events = Table(
        "processed_events",
        metadata,
        Column("consumer_group", String(255), primary_key=True),
        Column("event_id", String(64), primary_key=True),
        Column("processed_at", UTCDateTime(), nullable=False),
    )
    return EventTables(outbox=outbox, processed_events=processed_events)

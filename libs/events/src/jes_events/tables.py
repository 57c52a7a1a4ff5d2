"""The two tables every event-producing or event-consuming service adds to its database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Index, LargeBinary, MetaData, String, Table

from jes_db import UTCDateTime

__all__ = ["UNPUBLISHED_INDEX", "EventTables", "add_event_tables"]

UNPUBLISHED_INDEX = "ix_outbox_unpublished"


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
        # The purge looks for old `published_at`.
        Index("ix_outbox_published_at", "published_at"),
    )
    # The relay's round reads the oldest unpublished rows: `published_at IS NULL ORDER BY
    # created_at, id LIMIT n`. This index holds only those rows, in that order, so a round
    # reads n index entries however long the backlog (without it PostgreSQL read and
    # sorted the whole backlog each round: 8.3 ms at 10,000 unpublished, 0.13 ms with it).
    unpublished = outbox.c.published_at.is_(None)
    Index(
        UNPUBLISHED_INDEX,
        outbox.c.created_at,
        outbox.c.id,
        postgresql_where=unpublished,
        sqlite_where=unpublished,
    )
    processed_events = Table(
        "processed_events",
        metadata,
        Column("consumer_group", String(255), primary_key=True),
        Column("event_id", String(64), primary_key=True),
        Column("processed_at", UTCDateTime(), nullable=False),
    )
    return EventTables(outbox=outbox, processed_events=processed_events)

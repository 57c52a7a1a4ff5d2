"""Alembic steps for the event tables, shared by the migrations of every service that has
an outbox, so the index is written once (its definition: `tables.add_event_tables`)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jes_events.tables import UNPUBLISHED_INDEX

__all__ = ["create_unpublished_index", "drop_unpublished_index"]

_UNPUBLISHED = sa.text("published_at IS NULL")


def create_unpublished_index() -> None:
    """The relay's partial index on the unpublished rows, in (created_at, id) order.
    PostgreSQL builds it without blocking the writes of a running service (CONCURRENTLY,
    outside the migration's transaction)."""
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.create_index(
                UNPUBLISHED_INDEX,
                "outbox",
                ["created_at", "id"],
                postgresql_where=_UNPUBLISHED,
                postgresql_concurrently=True,
            )
    else:
        op.create_index(
            UNPUBLISHED_INDEX, "outbox", ["created_at", "id"], sqlite_where=_UNPUBLISHED
        )


def drop_unpublished_index() -> None:
    op.drop_index(UNPUBLISHED_INDEX, table_name="outbox")

"""the outbox relay's partial index: unpublished rows in (created_at, id) order

Revision ID: 0040
Revises: 0020
Create Date: 2026-12-01 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0040"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNPUBLISHED = sa.text("published_at IS NULL")


def upgrade() -> None:
    # jes_events.tables.UNPUBLISHED_INDEX. PostgreSQL builds it without blocking the
    # writes of a running service (CONCURRENTLY, outside the migration's transaction).
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.create_index(
                "ix_outbox_unpublished",
                "outbox",
                ["created_at", "id"],
                postgresql_where=UNPUBLISHED,
                postgresql_concurrently=True,
            )
    else:
        op.create_index(
            "ix_outbox_unpublished", "outbox", ["created_at", "id"], sqlite_where=UNPUBLISHED
        )


def downgrade() -> None:
    op.drop_index("ix_outbox_unpublished", table_name="outbox")

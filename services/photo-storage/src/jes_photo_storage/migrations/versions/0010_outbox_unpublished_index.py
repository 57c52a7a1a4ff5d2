"""the outbox relay's partial index: unpublished rows in (created_at, id) order

Revision ID: 0010
Revises: 0003
Create Date: 2026-12-01 06:00:00
"""

from collections.abc import Sequence

from jes_events.migration_ops import create_unpublished_index, drop_unpublished_index

revision: str = "0010"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_unpublished_index()


def downgrade() -> None:
    drop_unpublished_index()

"""prints keep the checklist's warnings they were printed with

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 11:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("prints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("checklist_warnings_json", sa.Text(), server_default="[]", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("prints", schema=None) as batch_op:
        batch_op.drop_column("checklist_warnings_json")

"""login_records.client_address: the lockout counts failures per account and client

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("login_records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("client_address", sa.String(length=64), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("login_records", schema=None) as batch_op:
        batch_op.drop_column("client_address")

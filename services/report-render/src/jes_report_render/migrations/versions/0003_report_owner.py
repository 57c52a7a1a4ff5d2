"""reports.owner_account_id, reports.court_code: whose report it is, for GetReportUrl

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 11:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reports made before this have no owner: only services and admins get their links.
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("owner_account_id", sa.String(length=36), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("court_code", sa.String(length=3), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("court_code")
        batch_op.drop_column("owner_account_id")

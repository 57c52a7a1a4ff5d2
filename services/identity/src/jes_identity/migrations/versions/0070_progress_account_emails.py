"""progress_account_emails: the case-progress account of each e-mail (issue 11)

Revision ID: 0070
Revises: 0050
Create Date: 2026-11-30 17:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0070"
down_revision: str | None = "0050"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "progress_account_emails",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("email"),
        sa.UniqueConstraint("account_id"),
    )


def downgrade() -> None:
    op.drop_table("progress_account_emails")

"""account_bindings: a portal account bound to a case-progress account (帳號綁定)

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 14:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jes_db

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_bindings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("portal_account_id", sa.String(length=36), nullable=False),
        sa.Column("progress_account_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", jes_db.UTCDateTime(), nullable=False),
        sa.Column("proof", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["portal_account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["progress_account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("portal_account_id"),
        sa.UniqueConstraint("progress_account_id"),
    )


def downgrade() -> None:
    op.drop_table("account_bindings")

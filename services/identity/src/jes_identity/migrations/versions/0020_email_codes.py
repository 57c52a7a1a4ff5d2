"""email_codes: 6-digit e-mail verification codes (hashed)

Revision ID: 0020
Revises: 0003
Create Date: 2026-11-30 13:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import jes_db
from alembic import op

revision: str = "0020"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "email_codes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=True),
        sa.Column("registration_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", jes_db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", jes_db.UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("verified_at", jes_db.UTCDateTime(), nullable=True),
        sa.Column("consumed_at", jes_db.UTCDateTime(), nullable=True),
        sa.Column("retired_at", jes_db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_email_codes_account_id", "email_codes", ["account_id"])
    op.create_index("ix_email_codes_registration_id", "email_codes", ["registration_id"])
    op.create_index("ix_email_codes_email", "email_codes", ["email"])


def downgrade() -> None:
    op.drop_index("ix_email_codes_email", table_name="email_codes")
    op.drop_index("ix_email_codes_registration_id", table_name="email_codes")
    op.drop_index("ix_email_codes_account_id", table_name="email_codes")
    op.drop_table("email_codes")

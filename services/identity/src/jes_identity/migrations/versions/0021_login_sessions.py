"""login_sessions: server-side sessions (idle and absolute timeout, logout, sign out everywhere)

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jes_db

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", jes_db.UTCDateTime(), nullable=False),
        sa.Column("last_activity_at", jes_db.UTCDateTime(), nullable=False),
        sa.Column("absolute_expires_at", jes_db.UTCDateTime(), nullable=False),
        sa.Column("idle_seconds", sa.Integer(), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.Column("ended_at", jes_db.UTCDateTime(), nullable=True),
        sa.Column("end_reason", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_sessions_account_id", "login_sessions", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_login_sessions_account_id", table_name="login_sessions")
    op.drop_table("login_sessions")

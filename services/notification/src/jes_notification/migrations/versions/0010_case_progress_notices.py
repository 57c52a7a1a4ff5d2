"""case-progress notices: per-case mail settings, one notice per entry and follower,
and the RFC 8058 unsubscribe URL of a mail

Revision ID: 0010
Revises: 0002
Create Date: 2026-11-30 17:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jes_db

revision: str = "0010"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "deliveries",
        sa.Column("list_unsubscribe", sa.String(length=300), nullable=False, server_default=""),
    )
    op.create_table(
        "case_mail_subscriptions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("follow_id", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("court_code", sa.String(length=10), nullable=False),
        sa.Column("category", sa.String(length=10), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=False),
        sa.Column("created_at", jes_db.UTCDateTime(), nullable=False),
        sa.Column("changed_at", jes_db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "recipient"),
        sa.UniqueConstraint("token"),
    )
    with op.batch_alter_table("case_mail_subscriptions") as batch:
        batch.create_index(
            batch.f("ix_case_mail_subscriptions_recipient"), ["recipient"], unique=False
        )
        batch.create_index(
            batch.f("ix_case_mail_subscriptions_follow_id"), ["follow_id"], unique=False
        )
    op.create_table(
        "progress_notices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subscription_id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("court_code", sa.String(length=10), nullable=False),
        sa.Column("source_entry_id", sa.String(length=100), nullable=False),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("hearing", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("due_at", jes_db.UTCDateTime(), nullable=False),
        sa.Column("created_at", jes_db.UTCDateTime(), nullable=False),
        sa.Column("delivery_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["subscription_id"], ["case_mail_subscriptions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("progress_notices") as batch:
        batch.create_index("ix_progress_notices_pending", ["status", "due_at"], unique=False)
        batch.create_index(
            "ix_progress_notices_entry", ["court_code", "source_entry_id"], unique=False
        )
        batch.create_index(
            batch.f("ix_progress_notices_subscription_id"), ["subscription_id"], unique=False
        )
        batch.create_index(
            batch.f("ix_progress_notices_delivery_id"), ["delivery_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("progress_notices")
    op.drop_table("case_mail_subscriptions")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("list_unsubscribe")

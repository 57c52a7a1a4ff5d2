"""brute-force lanes: trusted devices, login challenges, refused attempts

Revision ID: 0010
Revises: 0040
Create Date: 2026-11-30 13:34:08.427367
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jes_db

revision: str = "0010"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_challenges",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("answer_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", jes_db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", jes_db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", jes_db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("login_challenges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_login_challenges_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "trusted_devices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", jes_db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", jes_db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("trusted_devices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trusted_devices_account_id"), ["account_id"], unique=False
        )

    with op.batch_alter_table("login_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refused", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("device_id", sa.String(length=36), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), server_default="login", nullable=False)
        )
        batch_op.create_index("ix_login_records_address_at", ["client_address", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_records", schema=None) as batch_op:
        batch_op.drop_index("ix_login_records_address_at")
        batch_op.drop_column("kind")
        batch_op.drop_column("device_id")
        batch_op.drop_column("refused")

    with op.batch_alter_table("trusted_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trusted_devices_account_id"))

    op.drop_table("trusted_devices")
    with op.batch_alter_table("login_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_challenges_expires_at"))

    op.drop_table("login_challenges")

"""certificate registration and login: challenges, registered certificates, profiles

Revision ID: 0030
Revises: 0022
Create Date: 2026-11-30 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jes_db

revision: str = "0030"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "certificate_challenges",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("binding_hash", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", jes_db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", jes_db.UTCDateTime(), nullable=False),
        sa.Column("answered_at", jes_db.UTCDateTime(), nullable=True),
        sa.Column("verified_certificate", sa.LargeBinary(), nullable=True),
        sa.Column("ticket_expires_at", jes_db.UTCDateTime(), nullable=True),
        sa.Column("registered_at", jes_db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "account_certificates",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("issuer_key_id", sa.String(length=128), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("authority", sa.String(length=20), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("holder_code", sa.String(length=20), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("not_after", jes_db.UTCDateTime(), nullable=False),
        sa.Column("registered_at", jes_db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer_key_id", "serial", name="uq_certificate"),
    )
    op.create_index(
        "ix_account_certificates_account_id", "account_certificates", ["account_id"]
    )
    op.create_table(
        "certificate_account_profiles",
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("national_id", sa.String(length=10), nullable=False),
        sa.Column("mobile", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("other_emails", sa.Text(), nullable=False),
        sa.Column("representative_name", sa.String(length=50), nullable=False),
        sa.Column("representative_title", sa.String(length=50), nullable=False),
        sa.Column("business_number", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("account_id"),
    )


def downgrade() -> None:
    op.drop_table("certificate_account_profiles")
    op.drop_index("ix_account_certificates_account_id", table_name="account_certificates")
    op.drop_table("account_certificates")
    op.drop_table("certificate_challenges")

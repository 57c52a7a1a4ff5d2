"""single sign-on: accounts' directory account, prosecutor id and provider; the accounts'
identities at OpenID providers (issuer, subject); started sign-ins (state, nonce, PKCE)

Revision ID: 0040
Revises: 0030
Create Date: 2026-11-30 14:10:00
"""

from collections.abc import Sequence

import jes_db
import sqlalchemy as sa
from alembic import op

revision: str = "0040"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("directory_account", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("prosecutor_id", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("sign_in_provider", sa.String(length=40), nullable=False, server_default="")
        )
    op.create_table(
        "external_identities",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("created_at", jes_db.UTCDateTime(), nullable=False),
        sa.Column("last_sign_in_at", jes_db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer", "subject", name="uq_external_identity"),
    )
    op.create_index("ix_external_identities_account_id", "external_identities", ["account_id"])
    op.create_table(
        "sign_in_flows",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=100), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("redirect_uri", sa.String(length=500), nullable=False),
        sa.Column("created_at", jes_db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", jes_db.UTCDateTime(), nullable=False),
        sa.Column("used_at", jes_db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("state_hash"),
    )
    op.create_index("ix_sign_in_flows_expires_at", "sign_in_flows", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_flows_expires_at", table_name="sign_in_flows")
    op.drop_table("sign_in_flows")
    op.drop_index("ix_external_identities_account_id", table_name="external_identities")
    op.drop_table("external_identities")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("sign_in_provider")
        batch_op.drop_column("prosecutor_id")
        batch_op.drop_column("directory_account")

"""case progress online (issue 11): an audit log, statuses and the cut-off, prosecutors, corrections
and withdrawals, hearings, follows with accounts, visits, feeds, ingest batches, courts'
last sync; the case page's keyset index

Revision ID: 0010
Revises: 0001
Create Date: 2026-11-30 17:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jes_db

revision: str = "0010"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("at", jes_db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_account_id", sa.String(length=100), nullable=False),
        sa.Column("actor_role", sa.String(length=30), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("court_code", sa.String(length=3), nullable=False),
        sa.Column("before_json", sa.Text(), nullable=False),
        sa.Column("after_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_court", "audit_log", ["court_code", "at"])
    op.create_index("ix_audit_log_subject", "audit_log", ["subject_id", "at"])
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("status", sa.String(20), nullable=False, server_default="pending"))
        batch.add_column(sa.Column("status_effective_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("status_changed_at", jes_db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("details_changed_at", jes_db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("cut_off_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("warn_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("warned_for", sa.Date(), nullable=True))
        batch.add_column(sa.Column("ended_for", sa.Date(), nullable=True))
        batch.add_column(sa.Column("division", sa.String(20), nullable=False, server_default=""))
        batch.add_column(sa.Column("cause", sa.String(100), nullable=False, server_default=""))
        batch.add_column(
            sa.Column(
                "last_changed_at",
                jes_db.UTCDateTime(),
                nullable=False,
                server_default=sa.text("CURRENT_TIMESTAMP"),
            )
        )
        batch.create_index("ix_cases_cut_off_on", ["cut_off_on"])
        batch.create_index("ix_cases_warn_on", ["warn_on"])

    op.create_table(
        "case_prosecutors",
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("prosecutor_id", sa.String(40), primary_key=True),
    )
    op.create_index("ix_case_prosecutors_prosecutor_id", "case_prosecutors", ["prosecutor_id"])

    with op.batch_alter_table("progress_entries") as batch:
        batch.add_column(sa.Column("hearing_at", sa.String(16), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("hearing_place", sa.String(50), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("hearing_kind", sa.String(50), nullable=False, server_default=""))
        batch.add_column(sa.Column("changed_at", jes_db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("corrected_at", jes_db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("withdrawn_at", jes_db.UTCDateTime(), nullable=True))
        batch.add_column(
            sa.Column("withdraw_reason", sa.String(200), nullable=False, server_default="")
        )
        batch.drop_index("ix_progress_entries_case_id")
        batch.create_index(
            "ix_progress_entries_page", ["case_id", "posted_on", "ingested_at", "id"]
        )

    with op.batch_alter_table("followers") as batch:
        batch.add_column(sa.Column("account_id", sa.String(36), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("account_username", sa.String(20), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("status", sa.String(10), nullable=False, server_default="active"))
        batch.add_column(
            sa.Column("applicant_name", sa.String(50), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("application_id", sa.String(64), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("approved_at", jes_db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("approved_by", sa.String(40), nullable=False, server_default=""))
        batch.add_column(sa.Column("revoked_at", jes_db.UTCDateTime(), nullable=True))
        batch.add_column(
            sa.Column("revoke_reason", sa.String(200), nullable=False, server_default="")
        )
        batch.create_index("ix_followers_account_id", ["account_id"])

    op.create_table(
        "case_visits",
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("visited_at", jes_db.UTCDateTime(), nullable=False),
    )
    op.create_table(
        "feed_tokens",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("follow_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("prosecutor_id", sa.String(40), nullable=False, server_default=""),
        sa.Column("created_at", jes_db.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", jes_db.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", jes_db.UTCDateTime(), nullable=True),
    )
    op.create_index("ix_feed_tokens_account_id", "feed_tokens", ["account_id"])
    op.create_table(
        "ingest_batches",
        sa.Column("court_code", sa.String(3), primary_key=True),
        sa.Column("batch_id", sa.String(64), primary_key=True),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("received_at", jes_db.UTCDateTime(), nullable=False),
    )
    op.create_table(
        "court_syncs",
        sa.Column("court_code", sa.String(3), primary_key=True),
        sa.Column("last_received_at", jes_db.UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_index("ix_audit_log_subject", "audit_log")
    op.drop_index("ix_audit_log_court", "audit_log")
    op.drop_table("audit_log")
    op.drop_table("court_syncs")
    op.drop_table("ingest_batches")
    op.drop_index("ix_feed_tokens_account_id", "feed_tokens")
    op.drop_table("feed_tokens")
    op.drop_table("case_visits")
    with op.batch_alter_table("followers") as batch:
        batch.drop_index("ix_followers_account_id")
        for column in (
            "revoke_reason",
            "revoked_at",
            "approved_by",
            "approved_at",
            "application_id",
            "applicant_name",
            "status",
            "account_username",
            "account_id",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("progress_entries") as batch:
        batch.drop_index("ix_progress_entries_page")
        batch.create_index("ix_progress_entries_case_id", ["case_id"])
        for column in (
            "withdraw_reason",
            "withdrawn_at",
            "corrected_at",
            "changed_at",
            "hearing_kind",
            "hearing_place",
            "hearing_at",
        ):
            batch.drop_column(column)
    op.drop_index("ix_case_prosecutors_prosecutor_id", "case_prosecutors")
    op.drop_table("case_prosecutors")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_warn_on")
        batch.drop_index("ix_cases_cut_off_on")
        for column in (
            "last_changed_at",
            "cause",
            "division",
            "ended_for",
            "warned_for",
            "warn_on",
            "cut_off_on",
            "details_changed_at",
            "status_changed_at",
            "status_effective_on",
            "status",
        ):
            batch.drop_column(column)

"""mail settings found by the court's case key (ListCaseDeliveries)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 03:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_mail_subscriptions") as batch:
        batch.create_index(
            "ix_case_mail_subscriptions_case", ["court_code", "case_number"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("case_mail_subscriptions") as batch:
        batch.drop_index("ix_case_mail_subscriptions_case")

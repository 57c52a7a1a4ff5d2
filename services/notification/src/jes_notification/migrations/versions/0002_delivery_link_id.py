"""deliveries.link_id: the one-time link whose token is asked for at send time

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 10:50:00
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "deliveries",
        sa.Column("link_id", sa.String(length=36), nullable=False, server_default=""),
    )
    # Mails written before this kept the raw token in the body: blank it in those that
    # went out (or failed for good); a queued one still needs it to be sent.
    deliveries = sa.table(
        "deliveries",
        sa.column("id", sa.String),
        sa.column("body", sa.Text),
        sa.column("status", sa.String),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(deliveries.c.id, deliveries.c.body).where(
            deliveries.c.status != "queued", deliveries.c.body.like("%/password/set?token=%")
        )
    ).all()
    for row in rows:
        body = re.sub(r"(/password/set\?token=)[A-Za-z0-9_\-%]+", r"\1(redacted)", row.body)
        bind.execute(deliveries.update().where(deliveries.c.id == row.id).values(body=body))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("link_id")

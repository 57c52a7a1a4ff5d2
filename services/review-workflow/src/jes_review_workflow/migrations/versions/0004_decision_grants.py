"""decision grants: identity's grant for each recorded decision

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 12:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ('submissions', 'firm_application_decisions'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('decision_grant', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    for table in ('firm_application_decisions', 'submissions'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('decision_grant')

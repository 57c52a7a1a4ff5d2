"""decisions recorded first, carried out after: decision, who, attempts, outcome

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 10:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jes_db

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision', sa.String(length=10), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('decided_by_role', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_attempt_at', jes_db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('not_applied_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_submissions_next_attempt_at'), ['next_attempt_at'], unique=False)
    # Decisions taken before: what they decided is what their state says.
    op.execute("UPDATE submissions SET decision = 'approve' WHERE state = 'approved'")
    op.execute("UPDATE submissions SET decision = 'reject' WHERE state = 'rejected'")

    with op.batch_alter_table('firm_application_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decided_by_role', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('state', sa.String(length=20), nullable=False, server_default='applied'))
        batch_op.add_column(sa.Column('company_name', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_attempt_at', jes_db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('not_applied_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_firm_application_decisions_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_firm_application_decisions_next_attempt_at'), ['next_attempt_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('firm_application_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_firm_application_decisions_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_firm_application_decisions_state'))
        for column in ('not_applied_reason', 'next_attempt_at', 'attempts', 'email', 'company_name', 'state', 'decided_by_role'):
            batch_op.drop_column(column)
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submissions_next_attempt_at'))
        for column in ('not_applied_reason', 'next_attempt_at', 'attempts', 'decided_by_role', 'decision'):
            batch_op.drop_column(column)

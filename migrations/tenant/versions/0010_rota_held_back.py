"""a generated visit keeps who was held back from it and why (issue 17)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 23:18:54
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A table of its own, not columns on visits: adding it rewrites nothing, so migrate-all
    # stays fast on SQLite, and both foreign keys are real constraints.
    op.create_table('visit_hold_backs',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('rules', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("length(rules) > 0", name=op.f('ck_visit_hold_backs_rules_named')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_visit_hold_backs_visit_id_visits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_visit_hold_backs_worker_id_workers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('visit_id', name=op.f('pk_visit_hold_backs'))
    )


def downgrade() -> None:
    op.drop_table('visit_hold_backs')

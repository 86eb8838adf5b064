"""statistics rollup bookkeeping: the digest and revision of each week a co-op has sent

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 13:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stats_rollup_states',
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('emitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('revision > 0', name=op.f('ck_stats_rollup_states_revision_positive')),
    sa.PrimaryKeyConstraint('week', name=op.f('pk_stats_rollup_states'))
    )


def downgrade() -> None:
    op.drop_table('stats_rollup_states')

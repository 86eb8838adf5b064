"""Workers' leaving date, for workers leaving per quarter (issue 13)

A coordinator records the day a worker left; the stats rollup counts joiners (by
``started_on``) and leavers (by ``left_on``) per week. A worker cannot leave before
they started.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 23:19:45
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('left_on', sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_workers_left_after_started'), 'left_on IS NULL OR left_on >= started_on')


def downgrade() -> None:
    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_workers_left_after_started'), type_='check')
        batch_op.drop_column('left_on')

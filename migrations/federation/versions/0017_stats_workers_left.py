"""Stats measure workers_left: workers leaving per quarter (issue 13)

A new measure name changes the CHECK on ``measure`` of ``stats_cells``,
``stats_rollups`` and ``stats_release_usefulness``. On SQLite (the federation's own
file) a CHECK cannot be altered in place: each table is rebuilt from its reflected
definition (whatever columns it has by now), with only that CHECK replaced.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 23:21:30
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

BEFORE = ('care_hours', 'visits', 'clients', 'workers', 'members', 'hours_lent_in',
          'hours_lent_out', 'staff_lent_in', 'staff_lent_out', 'hours_unfilled',
          'welsh_hours_required', 'welsh_hours_delivered', 'workers_joined')
AFTER = (*BEFORE, 'workers_left')
TABLES = ('stats_cells', 'stats_rollups', 'stats_release_usefulness')


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _set_measures(measures) -> None:
    bind = op.get_bind()
    for table in TABLES:
        name = f'ck_{table}_measure'
        if bind.dialect.name != 'sqlite':
            op.drop_constraint(name, table, type_='check', schema='federation')
            op.create_check_constraint(op.f(name), table, _in('measure', measures),
                                       schema='federation')
            continue
        reflected = sa.Table(table, sa.MetaData(), autoload_with=bind)
        with op.batch_alter_table(table, copy_from=reflected, recreate='always') as batch_op:
            batch_op.drop_constraint(name, type_='check')
            batch_op.create_check_constraint(op.f(name), _in('measure', measures))


def upgrade() -> None:
    _set_measures(AFTER)


def downgrade() -> None:
    # Figures of the measure cannot stay once its name is refused.
    schema = None if op.get_bind().dialect.name == 'sqlite' else 'federation'
    for table in TABLES:
        rows = sa.table(table, sa.column('measure', sa.String), schema=schema)
        op.execute(rows.delete().where(rows.c.measure == 'workers_left'))
    _set_measures(BEFORE)

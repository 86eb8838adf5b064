"""co-ops verified before their statistics count; per-co-op cell references (issue 18)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 23:21:30
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


REASONS = ('low_count', 'few_coops', 'dominance', 'secondary', 'linked_person_cell',
           'held_back')


def _schema() -> str | None:
    return None if op.get_bind().dialect.name == 'sqlite' else 'federation'


def _set_reasons(reasons) -> None:
    """Replace the CHECK on ``stats_cells.reason`` (SQLite: rebuild the table from its
    reflected definition, as 0017 does for the measure)."""
    check = f"reason IS NULL OR reason IN ({', '.join(repr(r) for r in reasons)})"
    bind = op.get_bind()
    name = 'ck_stats_cells_reason'
    if bind.dialect.name != 'sqlite':
        op.drop_constraint(name, 'stats_cells', type_='check', schema='federation')
        op.create_check_constraint(op.f(name), 'stats_cells', check, schema='federation')
        return
    reflected = sa.Table('stats_cells', sa.MetaData(), autoload_with=bind)
    with op.batch_alter_table('stats_cells', copy_from=reflected, recreate='always') as batch:
        batch.drop_constraint(name, type_='check')
        batch.create_check_constraint(op.f(name), check)


def upgrade() -> None:
    # Plain ADD COLUMN on both stores: SQLite takes it in place, no batch copy.
    schema = _schema()
    # A co-op's figures count only once a federation admin has verified it (issue 18).
    op.add_column('coops', sa.Column('stats_verified_at', sa.DateTime(timezone=True),
                                     nullable=True), schema=schema)
    # Rule 6 compares each co-op's contribution, not only who contributed: the anchor
    # contributions ("coop:value,...") and, for the freeze of unchanged cells, a digest
    # of the state and the outcome of the cell in the release that wrote the row.
    op.add_column('stats_cell_refs', sa.Column('anchor', sa.Text(), server_default='',
                                               nullable=False), schema=schema)
    op.add_column('stats_cell_refs', sa.Column('state', sa.Text(), server_default='',
                                               nullable=False), schema=schema)
    op.add_column('stats_cell_refs', sa.Column('value', sa.Integer(), nullable=True),
                  schema=schema)
    op.add_column('stats_cell_refs', sa.Column('reason', sa.String(length=24), nullable=True),
                  schema=schema)
    # A release publishes only "suppressed" beside a suppressed cell: a specific reason
    # bounds the value (low_count means 1-7, the others 0 or at least 8).
    _set_reasons((*REASONS, 'suppressed'))


def downgrade() -> None:
    schema = _schema()
    cells = sa.table('stats_cells', sa.column('reason', sa.String), schema=schema)
    op.execute(cells.update().where(cells.c.reason == 'suppressed')
               .values(reason='secondary'))
    _set_reasons(REASONS)
    for column in ('reason', 'value', 'state', 'anchor'):
        op.drop_column('stats_cell_refs', column, schema=schema)
    op.drop_column('coops', 'stats_verified_at', schema=schema)

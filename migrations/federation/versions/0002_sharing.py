"""sharing: a co-op's data-sharing choices, and its grants of access to agencies

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 13:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def _schema() -> str | None:
    return None if op.get_bind().dialect.name == 'sqlite' else 'federation'


def upgrade() -> None:
    # Plain ADD COLUMN: SQLite takes it in place, so no batch copy of the registry.
    # Alembic renders ALTER's schema itself, past the schema_translate_map.
    schema = _schema()
    op.add_column('coops', sa.Column('shares_statistics', sa.Boolean(), server_default=sa.false(), nullable=False), schema=schema)
    op.add_column('coops', sa.Column('joins_worker_pool', sa.Boolean(), server_default=sa.false(), nullable=False), schema=schema)
    op.create_table('agency_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('granted_by_account_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_account_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['federation.agencies.id'], name=op.f('fk_agency_access_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['coop_id'], ['federation.coops.id'], name=op.f('fk_agency_access_coop_id_coops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by_account_id'], ['federation.accounts.id'], name=op.f('fk_agency_access_granted_by_account_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['withdrawn_by_account_id'], ['federation.accounts.id'], name=op.f('fk_agency_access_withdrawn_by_account_id_accounts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_access')),
    schema='federation'
    )
    with op.batch_alter_table('agency_access', schema='federation') as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_access_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_access_coop_id'), ['coop_id'], unique=False)
        batch_op.create_index('uq_agency_access_live', ['coop_id', 'agency_id'], unique=True, postgresql_where=sa.text('withdrawn_at IS NULL'), sqlite_where=sa.text('withdrawn_at IS NULL'))


def downgrade() -> None:
    op.drop_table('agency_access', schema='federation')
    op.drop_column('coops', 'joins_worker_pool', schema=_schema())
    op.drop_column('coops', 'shares_statistics', schema=_schema())

"""the person receiving care (issue 12): which accounts may open a co-op's care page; workers a person asked not to have, for lending

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 07:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def _schema() -> str | None:
    return None if op.get_bind().dialect.name == 'sqlite' else 'federation'


def upgrade() -> None:
    op.create_table('care_access',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['federation.accounts.id'], name=op.f('fk_care_access_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['coop_id'], ['federation.coops.id'], name=op.f('fk_care_access_coop_id_coops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'coop_id', name=op.f('pk_care_access')),
    schema='federation'
    )
    op.create_index(op.f('ix_care_access_coop_id'), 'care_access', ['coop_id'], unique=False, schema='federation')
    # A nullable column with no constraint: a plain ALTER, even on SQLite (whose
    # federation file has no schema name to put in an ALTER).
    op.add_column('lending_requests', sa.Column('avoid_refs', sa.JSON(), nullable=True),
                  schema=_schema())


def downgrade() -> None:
    op.drop_column('lending_requests', 'avoid_refs', schema=_schema())
    op.drop_index(op.f('ix_care_access_coop_id'), table_name='care_access', schema='federation')
    op.drop_table('care_access', schema='federation')

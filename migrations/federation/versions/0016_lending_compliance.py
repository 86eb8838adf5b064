"""borrower-side compliance records, DBS number sharing, pool profile engagement and Update Service (issue 11)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 23:19:48
"""

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

ITEMS = ("item IN ('dbs_status_check', 'dbs_own_certificate', 'id_seen', 'scw_checked', "
         "'lender_attestation', 'policies_introduced')")
RESULT = "result IS NULL OR result IN ('no_change', 'new_information')"
MATCH = ['lat', 'lon', 'travel_radius_km', 'skills_mask', 'available_days', 'coop_id',
         'welsh_level', 'scw_status', 'scw_valid_until', 'dbs_valid_from', 'dbs_valid_until',
         'engagement', 'dbs_update_service']
ENGAGEMENT = "engagement IN ('employee', 'dp_pa', 'self_employed', 'volunteer')"


def _schema() -> str | None:
    return None if op.get_bind().dialect.name == 'sqlite' else 'federation'


def upgrade() -> None:
    op.create_table('lending_dbs_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_ref', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('borrower_coop_id', sa.Integer(), nullable=False),
    sa.Column('certificate_number', sa.String(length=12), nullable=True),
    sa.Column('consented_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(revoked_at IS NULL) = (certificate_number IS NOT NULL)', name=op.f('ck_lending_dbs_shares_number_only_while_shared')),
    sa.ForeignKeyConstraint(['account_id'], ['federation.accounts.id'], name=op.f('fk_lending_dbs_shares_account_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['borrower_coop_id'], ['federation.coops.id'], name=op.f('fk_lending_dbs_shares_borrower_coop_id_coops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_dbs_shares')),
    schema='federation'
    )
    op.create_index(op.f('ix_lending_dbs_shares_borrower_coop_id'), 'lending_dbs_shares', ['borrower_coop_id'], unique=False, schema='federation')
    op.create_index('uq_lending_dbs_shares_live', 'lending_dbs_shares', ['worker_ref', 'borrower_coop_id'], unique=True, schema='federation', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
    op.create_table('lending_compliance_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=24), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('checked_by', sa.String(length=200), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_account_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint(ITEMS, name=op.f('ck_lending_compliance_records_item')),
    sa.CheckConstraint("(item = 'dbs_status_check') = (result IS NOT NULL)", name=op.f('ck_lending_compliance_records_result_only_for_status_check')),
    sa.CheckConstraint(RESULT, name=op.f('ck_lending_compliance_records_result')),
    sa.CheckConstraint("(item IN ('dbs_status_check', 'dbs_own_certificate')) = (valid_until IS NOT NULL)", name=op.f('ck_lending_compliance_records_valid_until_only_for_dbs')),
    sa.ForeignKeyConstraint(['agreement_id'], ['federation.lending_agreements.id'], name=op.f('fk_lending_compliance_records_agreement_id_lending_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['coop_id'], ['federation.coops.id'], name=op.f('fk_lending_compliance_records_coop_id_coops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_account_id'], ['federation.accounts.id'], name=op.f('fk_lending_compliance_records_recorded_by_account_id_accounts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_compliance_records')),
    sa.UniqueConstraint('agreement_id', 'item', name=op.f('uq_lending_compliance_records_agreement_id_item')),
    schema='federation'
    )
    op.create_index(op.f('ix_lending_compliance_records_agreement_id'), 'lending_compliance_records', ['agreement_id'], unique=False, schema='federation')
    # Plain ALTERs (SQLite's federation file has no schema name to put in one). The
    # engagement column carries its CHECK inline on SQLite, as a constraint after on
    # PostgreSQL.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE pool_profiles ADD COLUMN engagement VARCHAR(16) DEFAULT "
                   f"'employee' NOT NULL CONSTRAINT ck_pool_profiles_engagement CHECK ({ENGAGEMENT})")
    else:
        op.add_column('pool_profiles', sa.Column('engagement', sa.String(length=16), server_default=sa.text("'employee'"), nullable=False), schema='federation')
        op.create_check_constraint(op.f('ck_pool_profiles_engagement'), 'pool_profiles', ENGAGEMENT, schema='federation')
    op.add_column('pool_profiles', sa.Column('dbs_update_service', sa.Boolean(), server_default=sa.false(), nullable=False), schema=_schema())
    op.add_column('lending_requests', sa.Column('scw_engagements', sa.JSON(), nullable=True), schema=_schema())
    # The matcher's covering index gains the two columns its prefilter now reads.
    op.drop_index('ix_pool_profiles_match', table_name='pool_profiles', schema='federation')
    op.create_index('ix_pool_profiles_match', 'pool_profiles', MATCH + ['worker_ref'], unique=False, schema='federation')


def downgrade() -> None:
    op.drop_index('ix_pool_profiles_match', table_name='pool_profiles', schema='federation')
    op.create_index('ix_pool_profiles_match', 'pool_profiles', MATCH[:-2] + ['worker_ref'], unique=False, schema='federation')
    op.drop_column('lending_requests', 'scw_engagements', schema=_schema())
    op.drop_column('pool_profiles', 'dbs_update_service', schema=_schema())
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('ck_pool_profiles_engagement'), 'pool_profiles', type_='check', schema='federation')
    op.drop_column('pool_profiles', 'engagement', schema=_schema())
    op.drop_index(op.f('ix_lending_compliance_records_agreement_id'), table_name='lending_compliance_records', schema='federation')
    op.drop_table('lending_compliance_records', schema='federation')
    op.drop_index('uq_lending_dbs_shares_live', table_name='lending_dbs_shares', schema='federation', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
    op.drop_index(op.f('ix_lending_dbs_shares_borrower_coop_id'), table_name='lending_dbs_shares', schema='federation')
    op.drop_table('lending_dbs_shares', schema='federation')

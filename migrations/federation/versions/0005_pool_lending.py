"""pool and lending (issue 5)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 13:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lending_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('borrower_coop_id', sa.Integer(), nullable=False),
    sa.Column('la_code', sa.String(length=9), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('skills_mask', sa.Integer(), nullable=False),
    sa.Column('welsh_required', sa.Boolean(), nullable=False),
    sa.Column('continuity_refs', sa.JSON(), nullable=False),
    sa.Column('rate', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('on_board', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_by_account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("la_code IN ('W06000001', 'W06000002', 'W06000003', 'W06000004', 'W06000005', 'W06000006', 'W06000008', 'W06000009', 'W06000010', 'W06000023', 'W06000011', 'W06000012', 'W06000013', 'W06000016', 'W06000024', 'W06000015', 'W06000014', 'W06000018', 'W06000019', 'W06000020', 'W06000021', 'W06000022')", name=op.f('ck_lending_requests_la_code')),
    sa.CheckConstraint("state IN ('open', 'filled', 'cancelled', 'expired')", name=op.f('ck_lending_requests_state')),
    sa.CheckConstraint('rate >= 0', name=op.f('ck_lending_requests_rate')),
    sa.ForeignKeyConstraint(['borrower_coop_id'], ['federation.coops.id'], name=op.f('fk_lending_requests_borrower_coop_id_coops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_account_id'], ['federation.accounts.id'], name=op.f('fk_lending_requests_created_by_account_id_accounts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_requests')),
    schema='federation'
    )
    op.create_index(op.f('ix_lending_requests_borrower_coop_id'), 'lending_requests', ['borrower_coop_id'], unique=False, schema='federation')
    op.create_index('ix_lending_requests_open', 'lending_requests', ['state', 'on_board'], unique=False, schema='federation')
    op.create_table('pool_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('worker_ref', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('skills_mask', sa.Integer(), nullable=False),
    sa.Column('welsh_level', sa.String(length=16), nullable=False),
    sa.Column('la_code', sa.String(length=9), nullable=False),
    sa.Column('postcode_district', sa.String(length=8), nullable=True),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('travel_radius_km', sa.Integer(), nullable=False),
    sa.Column('dbs_valid_from', sa.Date(), nullable=True),
    sa.Column('dbs_valid_until', sa.Date(), nullable=True),
    sa.Column('scw_status', sa.String(length=16), nullable=False),
    sa.Column('scw_valid_until', sa.Date(), nullable=True),
    sa.Column('wt_opt_out', sa.Boolean(), nullable=False),
    sa.Column('availability', sa.JSON(), nullable=False),
    sa.Column('available_days', sa.Integer(), nullable=False),
    sa.Column('available_from_minute', sa.Integer(), server_default='0', nullable=False),
    sa.Column('available_until_minute', sa.Integer(), server_default='1440', nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("scw_status IN ('registered', 'new_starter', 'unregistered')", name=op.f('ck_pool_profiles_scw_status')),
    sa.CheckConstraint("welsh_level IN ('none', 'learner', 'conversational', 'fluent')", name=op.f('ck_pool_profiles_welsh_level')),
    sa.CheckConstraint('available_days BETWEEN 0 AND 127', name=op.f('ck_pool_profiles_available_days')),
    sa.CheckConstraint('available_from_minute BETWEEN 0 AND 1440 AND available_until_minute BETWEEN 0 AND 1440', name=op.f('ck_pool_profiles_available_minutes')),
    sa.CheckConstraint('travel_radius_km BETWEEN 0 AND 300', name=op.f('ck_pool_profiles_travel_radius_km')),
    sa.ForeignKeyConstraint(['account_id'], ['federation.accounts.id'], name=op.f('fk_pool_profiles_account_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['coop_id'], ['federation.coops.id'], name=op.f('fk_pool_profiles_coop_id_coops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pool_profiles')),
    sa.UniqueConstraint('worker_ref', name=op.f('uq_pool_profiles_worker_ref')),
    schema='federation'
    )
    op.create_index(op.f('ix_pool_profiles_account_id'), 'pool_profiles', ['account_id'], unique=False, schema='federation')
    op.create_index('ix_pool_profiles_match', 'pool_profiles', ['lat', 'lon', 'travel_radius_km', 'skills_mask', 'available_days', 'coop_id', 'welsh_level', 'scw_status', 'scw_valid_until', 'dbs_valid_from', 'dbs_valid_until', 'worker_ref'], unique=False, schema='federation')
    op.create_index('ix_pool_profiles_radius', 'pool_profiles', ['travel_radius_km'], unique=False, schema='federation')
    op.create_index(op.f('ix_pool_profiles_coop_id'), 'pool_profiles', ['coop_id'], unique=False, schema='federation')
    op.create_table('lending_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('borrower_coop_id', sa.Integer(), nullable=False),
    sa.Column('lender_coop_id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=True),
    sa.Column('worker_ref', sa.String(length=36), nullable=False),
    sa.Column('worker_account_id', sa.Integer(), nullable=True),
    sa.Column('rate', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('volunteered', sa.Boolean(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("state IN ('offered', 'approved', 'accepted', 'confirmed', 'completed', 'declined', 'cancelled', 'expired')", name=op.f('ck_lending_agreements_state')),
    sa.CheckConstraint('borrower_coop_id <> lender_coop_id', name=op.f('ck_lending_agreements_two_coops')),
    sa.CheckConstraint('rate >= 0', name=op.f('ck_lending_agreements_rate')),
    sa.ForeignKeyConstraint(['borrower_coop_id'], ['federation.coops.id'], name=op.f('fk_lending_agreements_borrower_coop_id_coops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lender_coop_id'], ['federation.coops.id'], name=op.f('fk_lending_agreements_lender_coop_id_coops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['profile_id'], ['federation.pool_profiles.id'], name=op.f('fk_lending_agreements_profile_id_pool_profiles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['federation.lending_requests.id'], name=op.f('fk_lending_agreements_request_id_lending_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_account_id'], ['federation.accounts.id'], name=op.f('fk_lending_agreements_worker_account_id_accounts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_agreements')),
    schema='federation'
    )
    op.create_index(op.f('ix_lending_agreements_borrower_coop_id'), 'lending_agreements', ['borrower_coop_id'], unique=False, schema='federation')
    op.create_index(op.f('ix_lending_agreements_expires_at'), 'lending_agreements', ['expires_at'], unique=False, schema='federation')
    op.create_index(op.f('ix_lending_agreements_lender_coop_id'), 'lending_agreements', ['lender_coop_id'], unique=False, schema='federation')
    op.create_index(op.f('ix_lending_agreements_profile_id'), 'lending_agreements', ['profile_id'], unique=False, schema='federation')
    op.create_index(op.f('ix_lending_agreements_request_id'), 'lending_agreements', ['request_id'], unique=False, schema='federation')
    op.create_index(op.f('ix_lending_agreements_worker_account_id'), 'lending_agreements', ['worker_account_id'], unique=False, schema='federation')
    op.create_index('ix_lending_agreements_worker_state', 'lending_agreements', ['worker_ref', 'state'], unique=False, schema='federation')
    op.create_index('uq_lending_agreements_live', 'lending_agreements', ['request_id', 'worker_ref'], unique=True, schema='federation', sqlite_where=sa.text("state IN ('offered', 'approved', 'accepted', 'confirmed')"), postgresql_where=sa.text("state IN ('offered', 'approved', 'accepted', 'confirmed')"))
    op.create_table('lending_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('travel_minutes', sa.Integer(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_lending_slots_ends_after_starts')),
    sa.CheckConstraint('travel_minutes BETWEEN 0 AND 600', name=op.f('ck_lending_slots_travel_minutes')),
    sa.ForeignKeyConstraint(['request_id'], ['federation.lending_requests.id'], name=op.f('fk_lending_slots_request_id_lending_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_slots')),
    schema='federation'
    )
    op.create_index(op.f('ix_lending_slots_request_id'), 'lending_slots', ['request_id'], unique=False, schema='federation')
    op.create_table('pool_shifts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('travel_minutes', sa.Integer(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_pool_shifts_ends_after_starts')),
    sa.CheckConstraint('travel_minutes BETWEEN 0 AND 600', name=op.f('ck_pool_shifts_travel_minutes')),
    sa.ForeignKeyConstraint(['profile_id'], ['federation.pool_profiles.id'], name=op.f('fk_pool_shifts_profile_id_pool_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pool_shifts')),
    schema='federation'
    )
    op.create_index('ix_pool_shifts_profile_starts', 'pool_shifts', ['profile_id', 'starts_at'], unique=False, schema='federation')
    op.create_table('ledger_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('lender_coop_id', sa.Integer(), nullable=False),
    sa.Column('borrower_coop_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('rate', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('lender_coop_id <> borrower_coop_id', name=op.f('ck_ledger_entries_two_coops')),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_ledger_entries_minutes')),
    sa.CheckConstraint('rate >= 0', name=op.f('ck_ledger_entries_rate')),
    sa.ForeignKeyConstraint(['agreement_id'], ['federation.lending_agreements.id'], name=op.f('fk_ledger_entries_agreement_id_lending_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['borrower_coop_id'], ['federation.coops.id'], name=op.f('fk_ledger_entries_borrower_coop_id_coops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lender_coop_id'], ['federation.coops.id'], name=op.f('fk_ledger_entries_lender_coop_id_coops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries')),
    sa.UniqueConstraint('agreement_id', name=op.f('uq_ledger_entries_agreement_id')),
    schema='federation'
    )
    op.create_index(op.f('ix_ledger_entries_borrower_coop_id'), 'ledger_entries', ['borrower_coop_id'], unique=False, schema='federation')
    op.create_index('ix_ledger_entries_pair_month', 'ledger_entries', ['lender_coop_id', 'borrower_coop_id', 'month'], unique=False, schema='federation')
    op.create_table('lending_notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('offered', 'approved', 'accepted', 'confirmed', 'completed', 'declined', 'cancelled', 'expired')", name=op.f('ck_lending_notifications_kind')),
    sa.ForeignKeyConstraint(['account_id'], ['federation.accounts.id'], name=op.f('fk_lending_notifications_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agreement_id'], ['federation.lending_agreements.id'], name=op.f('fk_lending_notifications_agreement_id_lending_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['coop_id'], ['federation.coops.id'], name=op.f('fk_lending_notifications_coop_id_coops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_notifications')),
    sa.UniqueConstraint('account_id', 'agreement_id', 'kind', name=op.f('uq_lending_notifications_account_id_agreement_id_kind')),
    schema='federation'
    )
    op.create_index(op.f('ix_lending_notifications_account_id'), 'lending_notifications', ['account_id'], unique=False, schema='federation')


def downgrade() -> None:
    op.drop_table('lending_notifications', schema='federation')
    op.drop_table('ledger_entries', schema='federation')
    op.drop_table('pool_shifts', schema='federation')
    op.drop_table('lending_slots', schema='federation')
    op.drop_table('lending_agreements', schema='federation')
    op.drop_table('pool_profiles', schema='federation')
    op.drop_table('lending_requests', schema='federation')

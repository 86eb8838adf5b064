"""workspace: members, governance, workforce, clients, rota, pool

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 11:13:13.404326
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('funding_source', sa.String(length=16), nullable=False),
    sa.Column('age_band', sa.String(length=8), nullable=False),
    sa.Column('la_code', sa.String(length=9), nullable=False),
    sa.Column('postcode_district', sa.String(length=8), nullable=True),
    sa.Column('preferred_language', sa.String(length=2), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("age_band IN ('18-24', '25-44', '45-64', '65-74', '75-84', '85+')", name=op.f('ck_clients_age_band')),
    sa.CheckConstraint("funding_source IN ('la_commissioned', 'direct_payment', 'isf', 'self_funded')", name=op.f('ck_clients_funding_source')),
    sa.CheckConstraint("la_code IN ('W06000001', 'W06000002', 'W06000003', 'W06000004', 'W06000005', 'W06000006', 'W06000008', 'W06000009', 'W06000010', 'W06000023', 'W06000011', 'W06000012', 'W06000013', 'W06000016', 'W06000024', 'W06000015', 'W06000014', 'W06000018', 'W06000019', 'W06000020', 'W06000021', 'W06000022')", name=op.f('ck_clients_la_code')),
    sa.CheckConstraint("preferred_language IN ('cy', 'en')", name=op.f('ck_clients_preferred_language')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clients'))
    )
    op.create_table('members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('postal_address', sa.Text(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('shares_held', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('email IS NULL OR email = lower(email)', name=op.f('ck_members_email_lower')),
    sa.CheckConstraint('left_on IS NULL OR left_on >= joined_on', name=op.f('ck_members_left_after_joined')),
    sa.CheckConstraint('shares_held >= 0', name=op.f('ck_members_shares_held')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members'))
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index('uq_members_account_id', ['account_id'], unique=True, sqlite_where=sa.text('account_id IS NOT NULL'), postgresql_where=sa.text('account_id IS NOT NULL'))

    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_by_account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("kind IN ('ordinary', 'special')", name=op.f('ck_proposals_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals'))
    )
    op.create_table('ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('quorum', sa.Integer(), nullable=False),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_ballots_closes_after_opens')),
    sa.CheckConstraint('quorum >= 0', name=op.f('ck_ballots_quorum')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_ballots_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballots')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_ballots_proposal_id'))
    )
    op.create_table('client_needs',
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('need_type', sa.String(length=32), nullable=False),
    sa.CheckConstraint("need_type IN ('personal_care', 'dementia', 'physical_disability', 'learning_disability', 'mental_health', 'end_of_life', 'sensory_impairment', 'companionship', 'domestic')", name=op.f('ck_client_needs_need_type')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_client_needs_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('client_id', 'need_type', name=op.f('pk_client_needs'))
    )
    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_invitations_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_member_id'), ['member_id'], unique=False)

    op.create_table('member_class_links',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['member_classes.id'], name=op.f('fk_member_class_links_class_id_member_classes'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_class_links_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', 'class_id', name=op.f('pk_member_class_links'))
    )
    op.create_table('pool_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('weekly_budget', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('hourly_rate', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_pool_members_date_range')),
    sa.CheckConstraint('hourly_rate > 0', name=op.f('ck_pool_members_hourly_rate')),
    sa.CheckConstraint('weekly_budget >= 0', name=op.f('ck_pool_members_weekly_budget')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_pool_members_client_id_clients'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_pool_members_member_id_members'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pool_members')),
    sa.UniqueConstraint('client_id', name=op.f('uq_pool_members_client_id')),
    sa.UniqueConstraint('member_id', name=op.f('uq_pool_members_member_id'))
    )
    op.create_table('workers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('welsh_level', sa.String(length=16), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('scw_registration_number', sa.String(length=32), nullable=True),
    sa.Column('scw_expires_on', sa.Date(), nullable=True),
    sa.Column('dbs_certificate_date', sa.Date(), nullable=True),
    sa.Column('dbs_update_service', sa.Boolean(), nullable=False),
    sa.Column('contracted_hours', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('wt_opt_out', sa.Boolean(), nullable=False),
    sa.Column('wt_opt_out_signed_on', sa.Date(), nullable=True),
    sa.Column('base_la_code', sa.String(length=9), nullable=True),
    sa.Column('base_postcode_district', sa.String(length=8), nullable=True),
    sa.Column('travel_radius_km', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("welsh_level IN ('none', 'learner', 'conversational', 'fluent')", name=op.f('ck_workers_welsh_level')),
    sa.CheckConstraint('contracted_hours >= 0 AND contracted_hours <= 168', name=op.f('ck_workers_contracted_hours')),
    sa.CheckConstraint('travel_radius_km IS NULL OR travel_radius_km >= 0', name=op.f('ck_workers_travel_radius_km')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_workers_member_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workers'))
    )
    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.create_index('uq_workers_account_id', ['account_id'], unique=True, sqlite_where=sa.text('account_id IS NOT NULL'), postgresql_where=sa.text('account_id IS NOT NULL'))

    op.create_table('availability',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('starts', sa.Time(), nullable=False),
    sa.Column('ends', sa.Time(), nullable=False),
    sa.CheckConstraint('ends > starts', name=op.f('ck_availability_ends_after_starts')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_availability_weekday')),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_availability_worker_id_workers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability'))
    )
    with op.batch_alter_table('availability', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_availability_worker_id'), ['worker_id'], unique=False)

    op.create_table('ballot_choices',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=8), nullable=False),
    sa.CheckConstraint("choice IN ('for', 'against', 'abstain')", name=op.f('ck_ballot_choices_choice')),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_ballot_choices_ballot_id_ballots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['class_id'], ['member_classes.id'], name=op.f('fk_ballot_choices_class_id_member_classes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_choices'))
    )
    with op.batch_alter_table('ballot_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_choices_ballot_id'), ['ballot_id'], unique=False)

    op.create_table('ballot_participations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('voted_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_ballot_participations_ballot_id_ballots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_ballot_participations_member_id_members'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_participations')),
    sa.UniqueConstraint('ballot_id', 'member_id', name=op.f('uq_ballot_participations_ballot_id_member_id'))
    )
    op.create_table('regular_carers',
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_regular_carers_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_regular_carers_worker_id_workers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('client_id', 'worker_id', name=op.f('pk_regular_carers'))
    )
    op.create_table('visit_patterns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('starts', sa.Time(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('welsh_required', sa.Boolean(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.CheckConstraint('duration_minutes > 0 AND duration_minutes <= 1440', name=op.f('ck_visit_patterns_duration_minutes')),
    sa.CheckConstraint('valid_until IS NULL OR valid_until >= valid_from', name=op.f('ck_visit_patterns_valid_range')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_visit_patterns_weekday')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_visit_patterns_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_visit_patterns_worker_id_workers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_patterns'))
    )
    with op.batch_alter_table('visit_patterns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_patterns_client_id'), ['client_id'], unique=False)

    op.create_table('worker_skills',
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('skill', sa.String(length=32), nullable=False),
    sa.CheckConstraint("skill IN ('personal_care', 'medication', 'dementia', 'moving_handling', 'hoist', 'peg_feeding', 'catheter_care', 'end_of_life', 'learning_disability', 'mental_health', 'domestic', 'companionship', 'driving')", name=op.f('ck_worker_skills_skill')),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_worker_skills_worker_id_workers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('worker_id', 'skill', name=op.f('pk_worker_skills'))
    )
    op.create_table('pattern_skills',
    sa.Column('pattern_id', sa.Integer(), nullable=False),
    sa.Column('skill', sa.String(length=32), nullable=False),
    sa.CheckConstraint("skill IN ('personal_care', 'medication', 'dementia', 'moving_handling', 'hoist', 'peg_feeding', 'catheter_care', 'end_of_life', 'learning_disability', 'mental_health', 'domestic', 'companionship', 'driving')", name=op.f('ck_pattern_skills_skill')),
    sa.ForeignKeyConstraint(['pattern_id'], ['visit_patterns.id'], name=op.f('fk_pattern_skills_pattern_id_visit_patterns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pattern_id', 'skill', name=op.f('pk_pattern_skills'))
    )
    op.create_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('pattern_id', sa.Integer(), nullable=True),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('actual_start', sa.DateTime(), nullable=True),
    sa.Column('actual_end', sa.DateTime(), nullable=True),
    sa.Column('travel_minutes', sa.Integer(), nullable=False),
    sa.Column('welsh_required', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("status IN ('scheduled', 'completed', 'missed', 'cancelled')", name=op.f('ck_visits_status')),
    sa.CheckConstraint('actual_end IS NULL OR actual_start IS NULL OR actual_end > actual_start', name=op.f('ck_visits_actual_range')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_visits_ends_after_starts')),
    sa.CheckConstraint('travel_minutes >= 0 AND travel_minutes <= 600', name=op.f('ck_visits_travel_minutes')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_visits_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pattern_id'], ['visit_patterns.id'], name=op.f('fk_visits_pattern_id_visit_patterns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_visits_worker_id_workers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits')),
    sa.UniqueConstraint('pattern_id', 'starts_at', name=op.f('uq_visits_pattern_id_starts_at'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_client_starts', ['client_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_visits_starts', ['starts_at'], unique=False)
        batch_op.create_index('ix_visits_worker_starts', ['worker_id', 'starts_at'], unique=False)

    op.create_table('pool_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pool_member_id', sa.Integer(), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('rate', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("kind != 'budget' OR amount >= 0", name=op.f('ck_pool_entries_budget_is_credit')),
    sa.CheckConstraint("kind != 'care' OR (hours > 0 AND rate > 0 AND visit_id IS NOT NULL)", name=op.f('ck_pool_entries_care_has_hours')),
    sa.CheckConstraint("kind IN ('budget', 'care', 'adjustment')", name=op.f('ck_pool_entries_kind')),
    sa.ForeignKeyConstraint(['pool_member_id'], ['pool_members.id'], name=op.f('fk_pool_entries_pool_member_id_pool_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_pool_entries_visit_id_visits'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pool_entries')),
    sa.UniqueConstraint('visit_id', name=op.f('uq_pool_entries_visit_id'))
    )
    with op.batch_alter_table('pool_entries', schema=None) as batch_op:
        batch_op.create_index('ix_pool_entries_member_date', ['pool_member_id', 'entry_date'], unique=False)
        batch_op.create_index('uq_pool_entries_budget_week', ['pool_member_id', 'entry_date'], unique=True, sqlite_where=sa.text("kind = 'budget'"), postgresql_where=sa.text("kind = 'budget'"))

    op.create_table('visit_skills',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('skill', sa.String(length=32), nullable=False),
    sa.CheckConstraint("skill IN ('personal_care', 'medication', 'dementia', 'moving_handling', 'hoist', 'peg_feeding', 'catheter_care', 'end_of_life', 'learning_disability', 'mental_health', 'domestic', 'companionship', 'driving')", name=op.f('ck_visit_skills_skill')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_visit_skills_visit_id_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('visit_id', 'skill', name=op.f('pk_visit_skills'))
    )


def downgrade() -> None:
    op.drop_table('visit_skills')
    with op.batch_alter_table('pool_entries', schema=None) as batch_op:
        batch_op.drop_index('uq_pool_entries_budget_week', sqlite_where=sa.text("kind = 'budget'"), postgresql_where=sa.text("kind = 'budget'"))
        batch_op.drop_index('ix_pool_entries_member_date')

    op.drop_table('pool_entries')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_worker_starts')
        batch_op.drop_index('ix_visits_starts')
        batch_op.drop_index('ix_visits_client_starts')

    op.drop_table('visits')
    op.drop_table('pattern_skills')
    op.drop_table('worker_skills')
    with op.batch_alter_table('visit_patterns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_patterns_client_id'))

    op.drop_table('visit_patterns')
    op.drop_table('regular_carers')
    op.drop_table('ballot_participations')
    with op.batch_alter_table('ballot_choices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_choices_ballot_id'))

    op.drop_table('ballot_choices')
    with op.batch_alter_table('availability', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_availability_worker_id'))

    op.drop_table('availability')
    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.drop_index('uq_workers_account_id', sqlite_where=sa.text('account_id IS NOT NULL'), postgresql_where=sa.text('account_id IS NOT NULL'))

    op.drop_table('workers')
    op.drop_table('pool_members')
    op.drop_table('member_class_links')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_member_id'))

    op.drop_table('invitations')
    op.drop_table('client_needs')
    op.drop_table('ballots')
    op.drop_table('proposals')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index('uq_members_account_id', sqlite_where=sa.text('account_id IS NOT NULL'), postgresql_where=sa.text('account_id IS NOT NULL'))

    op.drop_table('members')
    op.drop_table('clients')

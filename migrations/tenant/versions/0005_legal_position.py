"""the co-op's legal position, CIW-registered services, worker engagement and checks, short-visit reasons and contract offers (issue 10)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 07:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

LEGAL_FORMS = ("co_operative_society", "community_benefit_society", "charitable_cbs",
               "company_limited_by_guarantee", "cic", "not_incorporated", "not_decided")
SOCIETY_FORMS = ("co_operative_society", "community_benefit_society", "charitable_cbs")
SERVICE_TYPES = ("domiciliary_support", "care_home", "adult_placement", "fostering")
ENGAGEMENTS = ("employee", "dp_pa", "self_employed", "volunteer")
STATUS_CHECK_RESULTS = ("no_change", "new_information")
OFFER_CHOICES = ("pending", "accepted", "declined")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table('legal_position',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('legal_form', sa.String(length=32), nullable=False),
    sa.Column('fca_society_number', sa.String(length=16), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('dbs_status_check_days', sa.Integer(), server_default=sa.text('365'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_legal_position_single_row')),
    sa.CheckConstraint(_in('legal_form', LEGAL_FORMS), name=op.f('ck_legal_position_legal_form')),
    sa.CheckConstraint('dbs_status_check_days BETWEEN 1 AND 1095', name=op.f('ck_legal_position_dbs_status_check_days')),
    sa.CheckConstraint(f"fca_society_number IS NULL OR {_in('legal_form', SOCIETY_FORMS)}", name=op.f('ck_legal_position_fca_number_for_societies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_position'))
    )
    op.create_table('registered_services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_type', sa.String(length=32), nullable=False),
    sa.Column('ciw_service_id', sa.String(length=32), nullable=False),
    sa.Column('responsible_individual', sa.String(length=200), nullable=False),
    sa.Column('registered_manager', sa.String(length=200), nullable=True),
    sa.Column('rating_url', sa.String(length=500), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint(_in('service_type', SERVICE_TYPES), name=op.f('ck_registered_services_service_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registered_services')),
    sa.UniqueConstraint('ciw_service_id', name=op.f('uq_registered_services_ciw_service_id'))
    )

    with op.batch_alter_table('workers') as batch:
        batch.add_column(sa.Column('dbs_applied_by_coop', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch.add_column(sa.Column('engagement', sa.String(length=16), server_default=sa.text("'employee'"), nullable=False))
        batch.add_column(sa.Column('dp_employer_member_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('scw_conditions', sa.Text(), nullable=True))
        batch.add_column(sa.Column('scw_suspended_from', sa.Date(), nullable=True))
        batch.add_column(sa.Column('scw_suspended_until', sa.Date(), nullable=True))
        batch.add_column(sa.Column('non_guaranteed_hours', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.create_foreign_key(op.f('fk_workers_dp_employer_member_id_members'), 'members', ['dp_employer_member_id'], ['id'], ondelete='RESTRICT')
        batch.create_check_constraint(op.f('ck_workers_engagement'), _in('engagement', ENGAGEMENTS))
        batch.create_check_constraint(op.f('ck_workers_pa_has_employer'), "(engagement = 'dp_pa') = (dp_employer_member_id IS NOT NULL)")
        batch.create_check_constraint(op.f('ck_workers_scw_suspension_range'), 'scw_suspended_until IS NULL OR (scw_suspended_from IS NOT NULL AND scw_suspended_until >= scw_suspended_from)')
    op.create_table('dbs_status_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('checked_by', sa.String(length=200), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('recorded_by_account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint(_in('result', STATUS_CHECK_RESULTS), name=op.f('ck_dbs_status_checks_result')),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_dbs_status_checks_worker_id_workers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dbs_status_checks'))
    )
    op.create_index('ix_dbs_status_checks_worker_checked', 'dbs_status_checks', ['worker_id', 'checked_on'], unique=False)
    with op.batch_alter_table('visits') as batch:
        batch.add_column(sa.Column('short_visit_reason', sa.Text(), nullable=True))
    with op.batch_alter_table('visit_patterns') as batch:
        batch.add_column(sa.Column('short_visit_reason', sa.Text(), nullable=True))
    op.create_table('contract_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('offered_on', sa.Date(), nullable=False),
    sa.Column('weeks_counted', sa.Integer(), nullable=False),
    sa.Column('average_hours', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('offered_hours', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('choice', sa.String(length=16), nullable=False),
    sa.Column('chosen_on', sa.Date(), nullable=True),
    sa.Column('recorded_by_account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint(_in('choice', OFFER_CHOICES), name=op.f('ck_contract_offers_choice')),
    sa.CheckConstraint("(choice = 'pending') = (chosen_on IS NULL)", name=op.f('ck_contract_offers_chosen_when_chosen')),
    sa.CheckConstraint('offered_hours > 0 AND offered_hours <= 168', name=op.f('ck_contract_offers_offered_hours')),
    sa.CheckConstraint('average_hours >= 0 AND average_hours <= 168', name=op.f('ck_contract_offers_average_hours')),
    sa.CheckConstraint('weeks_counted > 0', name=op.f('ck_contract_offers_weeks_counted')),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_contract_offers_worker_id_workers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_offers'))
    )
    op.create_index(op.f('ix_contract_offers_worker_id'), 'contract_offers', ['worker_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_contract_offers_worker_id'), table_name='contract_offers')
    op.drop_table('contract_offers')
    with op.batch_alter_table('visit_patterns') as batch:
        batch.drop_column('short_visit_reason')
    with op.batch_alter_table('visits') as batch:
        batch.drop_column('short_visit_reason')
    op.drop_index('ix_dbs_status_checks_worker_checked', table_name='dbs_status_checks')
    op.drop_table('dbs_status_checks')
    with op.batch_alter_table('workers') as batch:
        batch.drop_constraint(op.f('ck_workers_scw_suspension_range'), type_='check')
        batch.drop_constraint(op.f('ck_workers_pa_has_employer'), type_='check')
        batch.drop_constraint(op.f('ck_workers_engagement'), type_='check')
        batch.drop_constraint(op.f('fk_workers_dp_employer_member_id_members'), type_='foreignkey')
        for column in ('non_guaranteed_hours', 'scw_suspended_until', 'scw_suspended_from',
                       'scw_conditions', 'dp_employer_member_id', 'engagement',
                       'dbs_applied_by_coop'):
            batch.drop_column(column)
    op.drop_table('registered_services')
    op.drop_table('legal_position')

"""Pair sharing agreements, lending terms, rate parts and timesheets (issue 11)

New tables only: a co-op's lending terms (wage, on-costs, insurance), the versioned
agreement between each pair of co-ops, the rate parts fixed when a loan is confirmed,
timesheets, and the parts each ledger entry was valued from.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 23:19:47
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

PARTS = ('wage', 'employer_ni', 'pension', 'holiday_pay', 'travel', 'overheads')
ARRANGEMENTS = "arrangement IN ('secondment', 'supply_of_staff')"


def _money(name: str) -> sa.Column:
    return sa.Column(name, sa.Numeric(precision=8, scale=2), nullable=False)


def _part_columns_and_checks(table: str) -> list:
    return [*(_money(part) for part in PARTS),
            *(sa.CheckConstraint(f'{part} >= 0', name=op.f(f'ck_{table}_{part}'))
              for part in PARTS)]


def _account_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ['federation.accounts.id'],
                                   name=op.f(f'fk_{table}_{column}_accounts'),
                                   ondelete='SET NULL')


def upgrade() -> None:
    percents = ('employer_ni_percent', 'pension_percent', 'holiday_percent',
                'overheads_percent')
    op.create_table('lending_terms',
    sa.Column('coop_id', sa.Integer(), nullable=False),
    _money('wage'),
    *(sa.Column(name, sa.Numeric(precision=5, scale=2), nullable=False) for name in percents),
    _money('travel_per_hour'),
    sa.Column('arrangement', sa.String(length=16), nullable=False),
    sa.Column('employers_liability', sa.String(length=300), nullable=False),
    sa.Column('public_liability', sa.String(length=300), nullable=False),
    sa.Column('updated_by_account_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('wage >= 0', name=op.f('ck_lending_terms_wage')),
    sa.CheckConstraint('travel_per_hour >= 0', name=op.f('ck_lending_terms_travel_per_hour')),
    *(sa.CheckConstraint(f'{name} BETWEEN 0 AND 100', name=op.f(f'ck_lending_terms_{name}'))
      for name in percents),
    sa.CheckConstraint(ARRANGEMENTS, name=op.f('ck_lending_terms_arrangement')),
    sa.ForeignKeyConstraint(['coop_id'], ['federation.coops.id'], name=op.f('fk_lending_terms_coop_id_coops'), ondelete='CASCADE'),
    _account_fk('lending_terms', 'updated_by_account_id'),
    sa.PrimaryKeyConstraint('coop_id', name=op.f('pk_lending_terms')),
    schema='federation'
    )
    op.create_table('sharing_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coop_a_id', sa.Integer(), nullable=False),
    sa.Column('coop_b_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('arrangement', sa.String(length=16), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('created_by_account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('a_accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('a_accepted_by_account_id', sa.Integer(), nullable=True),
    sa.Column('b_accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('b_accepted_by_account_id', sa.Integer(), nullable=True),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('coop_a_id < coop_b_id', name=op.f('ck_sharing_agreements_pair_ordered')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_sharing_agreements_version')),
    sa.CheckConstraint(ARRANGEMENTS, name=op.f('ck_sharing_agreements_arrangement')),
    sa.ForeignKeyConstraint(['coop_a_id'], ['federation.coops.id'], name=op.f('fk_sharing_agreements_coop_a_id_coops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['coop_b_id'], ['federation.coops.id'], name=op.f('fk_sharing_agreements_coop_b_id_coops'), ondelete='CASCADE'),
    _account_fk('sharing_agreements', 'created_by_account_id'),
    _account_fk('sharing_agreements', 'a_accepted_by_account_id'),
    _account_fk('sharing_agreements', 'b_accepted_by_account_id'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sharing_agreements')),
    sa.UniqueConstraint('coop_a_id', 'coop_b_id', 'version', name=op.f('uq_sharing_agreements_coop_a_id_coop_b_id_version')),
    schema='federation'
    )
    op.create_index(op.f('ix_sharing_agreements_coop_b_id'), 'sharing_agreements', ['coop_b_id'], unique=False, schema='federation')
    op.create_index('uq_sharing_agreements_current', 'sharing_agreements', ['coop_a_id', 'coop_b_id'], unique=True, schema='federation', sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))
    op.create_table('loan_rates',
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('sharing_agreement_id', sa.Integer(), nullable=False),
    *_part_columns_and_checks('loan_rates'),
    sa.Column('fixed_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['federation.lending_agreements.id'], name=op.f('fk_loan_rates_agreement_id_lending_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sharing_agreement_id'], ['federation.sharing_agreements.id'], name=op.f('fk_loan_rates_sharing_agreement_id_sharing_agreements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agreement_id', name=op.f('pk_loan_rates')),
    schema='federation'
    )
    op.create_index(op.f('ix_loan_rates_sharing_agreement_id'), 'loan_rates', ['sharing_agreement_id'], unique=False, schema='federation')
    op.create_table('lending_timesheets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('submitted_as', sa.String(length=8), nullable=False),
    sa.Column('submitted_by_account_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_minutes', sa.Integer(), nullable=True),
    sa.Column('approved_by_account_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dispute_reason', sa.String(length=500), nullable=True),
    sa.Column('disputed_by_account_id', sa.Integer(), nullable=True),
    sa.Column('disputed_by_coop_id', sa.Integer(), nullable=True),
    sa.Column('disputed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.String(length=500), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('submitted', 'approved', 'disputed')", name=op.f('ck_lending_timesheets_state')),
    sa.CheckConstraint('minutes > 0 AND minutes <= 72000', name=op.f('ck_lending_timesheets_minutes')),
    sa.CheckConstraint('approved_minutes IS NULL OR (approved_minutes > 0 AND approved_minutes <= 72000)', name=op.f('ck_lending_timesheets_approved_minutes')),
    sa.CheckConstraint("state <> 'approved' OR (approved_minutes IS NOT NULL AND approved_at IS NOT NULL)", name=op.f('ck_lending_timesheets_approved_has_minutes')),
    sa.CheckConstraint("state <> 'disputed' OR (disputed_at IS NOT NULL AND dispute_reason IS NOT NULL)", name=op.f('ck_lending_timesheets_disputed_has_reason')),
    sa.CheckConstraint("submitted_as IN ('lender', 'worker')", name=op.f('ck_lending_timesheets_submitted_as')),
    sa.ForeignKeyConstraint(['agreement_id'], ['federation.lending_agreements.id'], name=op.f('fk_lending_timesheets_agreement_id_lending_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['disputed_by_coop_id'], ['federation.coops.id'], name=op.f('fk_lending_timesheets_disputed_by_coop_id_coops'), ondelete='SET NULL'),
    _account_fk('lending_timesheets', 'submitted_by_account_id'),
    _account_fk('lending_timesheets', 'approved_by_account_id'),
    _account_fk('lending_timesheets', 'disputed_by_account_id'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_timesheets')),
    sa.UniqueConstraint('agreement_id', name=op.f('uq_lending_timesheets_agreement_id')),
    schema='federation'
    )
    op.create_table('ledger_entry_parts',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('timesheet_id', sa.Integer(), nullable=False),
    *_part_columns_and_checks('ledger_entry_parts'),
    sa.ForeignKeyConstraint(['entry_id'], ['federation.ledger_entries.id'], name=op.f('fk_ledger_entry_parts_entry_id_ledger_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['timesheet_id'], ['federation.lending_timesheets.id'], name=op.f('fk_ledger_entry_parts_timesheet_id_lending_timesheets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_ledger_entry_parts')),
    sa.UniqueConstraint('timesheet_id', name=op.f('uq_ledger_entry_parts_timesheet_id')),
    schema='federation'
    )


def downgrade() -> None:
    op.drop_table('ledger_entry_parts', schema='federation')
    op.drop_table('lending_timesheets', schema='federation')
    op.drop_index(op.f('ix_loan_rates_sharing_agreement_id'), table_name='loan_rates', schema='federation')
    op.drop_table('loan_rates', schema='federation')
    op.drop_index('uq_sharing_agreements_current', table_name='sharing_agreements', schema='federation')
    op.drop_index(op.f('ix_sharing_agreements_coop_b_id'), table_name='sharing_agreements', schema='federation')
    op.drop_table('sharing_agreements', schema='federation')
    op.drop_table('lending_terms', schema='federation')

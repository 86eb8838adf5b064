"""lending: pool consent, guest assignments, commitments, request clients (issue 5)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 13:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lending_request_clients',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_lending_request_clients_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', name=op.f('pk_lending_request_clients'))
    )
    op.create_index(op.f('ix_lending_request_clients_client_id'), 'lending_request_clients', ['client_id'], unique=False)
    op.create_table('lending_commitments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('borrower_coop_id', sa.Integer(), nullable=False),
    sa.Column('borrower_name', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('travel_minutes', sa.Integer(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_lending_commitments_ends_after_starts')),
    sa.CheckConstraint('travel_minutes >= 0 AND travel_minutes <= 600', name=op.f('ck_lending_commitments_travel_minutes')),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_lending_commitments_worker_id_workers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_commitments')),
    sa.UniqueConstraint('slot_id', name=op.f('uq_lending_commitments_slot_id'))
    )
    op.create_index(op.f('ix_lending_commitments_agreement_id'), 'lending_commitments', ['agreement_id'], unique=False)
    op.create_index('ix_lending_commitments_worker_starts', 'lending_commitments', ['worker_id', 'starts_at'], unique=False)
    op.create_table('pool_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('worker_ref', sa.String(length=36), nullable=False),
    sa.Column('consented_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('consented_by_account_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_account_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('approved_at IS NULL OR approved_at >= consented_at', name=op.f('ck_pool_consents_approved_after_consent')),
    sa.CheckConstraint('withdrawn_at IS NULL OR withdrawn_at >= consented_at', name=op.f('ck_pool_consents_withdrawn_after_consent')),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_pool_consents_worker_id_workers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pool_consents'))
    )
    op.create_index(op.f('ix_pool_consents_worker_id'), 'pool_consents', ['worker_id'], unique=False)
    op.create_index(op.f('ix_pool_consents_worker_ref'), 'pool_consents', ['worker_ref'], unique=False)
    op.create_index('uq_pool_consents_live', 'pool_consents', ['worker_id'], unique=True, sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))
    op.create_table('guest_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('worker_ref', sa.String(length=36), nullable=False),
    sa.Column('lender_coop_id', sa.Integer(), nullable=False),
    sa.Column('lender_name', sa.String(length=200), nullable=False),
    sa.Column('welsh_level', sa.String(length=16), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("welsh_level IN ('none', 'learner', 'conversational', 'fluent')", name=op.f('ck_guest_assignments_welsh_level')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_guest_assignments_ends_after_starts')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_guest_assignments_client_id_clients'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_guest_assignments_visit_id_visits'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guest_assignments')),
    sa.UniqueConstraint('slot_id', name=op.f('uq_guest_assignments_slot_id'))
    )
    op.create_index(op.f('ix_guest_assignments_agreement_id'), 'guest_assignments', ['agreement_id'], unique=False)
    op.create_index(op.f('ix_guest_assignments_client_id'), 'guest_assignments', ['client_id'], unique=False)
    op.create_index('ix_guest_assignments_starts', 'guest_assignments', ['starts_at'], unique=False)
    op.create_index(op.f('ix_guest_assignments_worker_ref'), 'guest_assignments', ['worker_ref'], unique=False)


def downgrade() -> None:
    op.drop_table('lending_request_clients')
    op.drop_table('guest_assignments')
    op.drop_table('pool_consents')
    op.drop_table('lending_commitments')

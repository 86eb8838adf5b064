"""the person receiving care (issue 12): care links with consent, family grants, carer wishes, Welsh waiver, lent workers' first names

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 07:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('care_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('consent_given_on', sa.Date(), nullable=False),
    sa.Column('consent_how', sa.String(length=16), nullable=False),
    sa.Column('consent_recorded_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("role IN ('person', 'representative')", name=op.f('ck_care_links_role')),
    sa.CheckConstraint("consent_how IN ('in_person', 'phone', 'letter', 'email', 'video')", name=op.f('ck_care_links_consent_how')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_care_links_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_links')),
    sa.UniqueConstraint('client_id', 'role', name=op.f('uq_care_links_client_id_role')),
    sa.UniqueConstraint('client_id', 'account_id', name=op.f('uq_care_links_client_id_account_id')),
    )
    op.create_index(op.f('ix_care_links_account_id'), 'care_links', ['account_id'], unique=False)
    op.create_table('family_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('invited_by_account_id', sa.Integer(), nullable=False),
    sa.Column('sees_times', sa.Boolean(), nullable=False),
    sa.Column('sees_names', sa.Boolean(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('sees_times OR sees_names', name=op.f('ck_family_grants_sees_something')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_family_grants_email_lower')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_family_grants_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_grants')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_family_grants_token_hash')),
    )
    op.create_index(op.f('ix_family_grants_client_id'), 'family_grants', ['client_id'], unique=False)
    op.create_index(op.f('ix_family_grants_account_id'), 'family_grants', ['account_id'], unique=False)
    op.create_table('carer_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('worker_ref', sa.String(length=36), nullable=True),
    sa.Column('wish', sa.String(length=8), nullable=False),
    sa.Column('set_by_account_id', sa.Integer(), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("wish IN ('again', 'not')", name=op.f('ck_carer_preferences_wish')),
    sa.CheckConstraint('(worker_id IS NULL) <> (worker_ref IS NULL)', name=op.f('ck_carer_preferences_one_worker')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_carer_preferences_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_carer_preferences_worker_id_workers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carer_preferences')),
    sa.UniqueConstraint('client_id', 'worker_id', name=op.f('uq_carer_preferences_client_id_worker_id')),
    sa.UniqueConstraint('client_id', 'worker_ref', name=op.f('uq_carer_preferences_client_id_worker_ref')),
    )
    with op.batch_alter_table('clients') as batch:
        batch.add_column(sa.Column('welsh_visits_waived_on', sa.Date(), nullable=True))
    with op.batch_alter_table('guest_assignments') as batch:
        batch.add_column(sa.Column('worker_first_name', sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('guest_assignments') as batch:
        batch.drop_column('worker_first_name')
    with op.batch_alter_table('clients') as batch:
        batch.drop_column('welsh_visits_waived_on')
    op.drop_table('carer_preferences')
    op.drop_index(op.f('ix_family_grants_account_id'), table_name='family_grants')
    op.drop_index(op.f('ix_family_grants_client_id'), table_name='family_grants')
    op.drop_table('family_grants')
    op.drop_index(op.f('ix_care_links_account_id'), table_name='care_links')
    op.drop_table('care_links')

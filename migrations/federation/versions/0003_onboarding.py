"""onboarding: wizard drafts (issue 4)

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

PAGES = ('group', 'where', 'governance', 'people', 'services', 'sharing', 'review')


def upgrade() -> None:
    op.create_table('onboarding_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=2), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('step_reached', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('mailed_token_hash', sa.String(length=64), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('mail_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('slug', sa.String(length=40), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('advisor_account_id', sa.Integer(), nullable=True),
    sa.Column('coop_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("locale IN ('en', 'cy')", name=op.f('ck_onboarding_drafts_locale')),
    sa.CheckConstraint('step_reached IN (' + ', '.join(repr(p) for p in PAGES) + ')', name=op.f('ck_onboarding_drafts_step_reached')),
    sa.CheckConstraint('coop_id IS NULL OR submitted_at IS NOT NULL', name=op.f('ck_onboarding_drafts_coop_when_submitted')),
    sa.CheckConstraint('applied_at IS NULL OR coop_id IS NOT NULL', name=op.f('ck_onboarding_drafts_applied_needs_coop')),
    sa.CheckConstraint('contact_email IS NULL OR contact_email = lower(contact_email)', name=op.f('ck_onboarding_drafts_contact_email_lower')),
    sa.ForeignKeyConstraint(['advisor_account_id'], ['federation.accounts.id'], name=op.f('fk_onboarding_drafts_advisor_account_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['agency_id'], ['federation.agencies.id'], name=op.f('fk_onboarding_drafts_agency_id_agencies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['coop_id'], ['federation.coops.id'], name=op.f('fk_onboarding_drafts_coop_id_coops'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onboarding_drafts')),
    sa.UniqueConstraint('coop_id', name=op.f('uq_onboarding_drafts_coop_id')),
    sa.UniqueConstraint('mailed_token_hash', name=op.f('uq_onboarding_drafts_mailed_token_hash')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_onboarding_drafts_token_hash')),
    schema='federation'
    )
    with op.batch_alter_table('onboarding_drafts', schema='federation') as batch_op:
        batch_op.create_index(batch_op.f('ix_onboarding_drafts_advisor_account_id'), ['advisor_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_onboarding_drafts_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_onboarding_drafts_slug'), ['slug'], unique=False)


def downgrade() -> None:
    op.drop_table('onboarding_drafts', schema='federation')

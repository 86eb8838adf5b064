"""the co-op's legal position (issue 10): the wizard's "legal form and registration" step

A draft can now stand at the new "legal" step, so the CHECK on ``step_reached`` changes.
On SQLite, where the federation has a file of its own and no schema, that means
rebuilding the table from the definition below.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 07:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BEFORE = ('group', 'where', 'governance', 'people', 'services', 'sharing', 'review')
AFTER = ('group', 'where', 'governance', 'people', 'services', 'legal', 'sharing', 'review')
NAME = 'ck_onboarding_drafts_step_reached'


def _pages(pages) -> str:
    return 'step_reached IN (' + ', '.join(repr(p) for p in pages) + ')'


def _drafts(pages) -> sa.Table:
    """The drafts table as 0003 made it (in SQLite's file), with ``pages`` in the CHECK."""
    meta = sa.MetaData()
    for name in ('accounts', 'agencies', 'coops'):
        sa.Table(name, meta, sa.Column('id', sa.Integer, primary_key=True))
    return sa.Table(
        'onboarding_drafts', meta,
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
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.CheckConstraint("locale IN ('en', 'cy')", name='ck_onboarding_drafts_locale'),
        sa.CheckConstraint(_pages(pages), name=NAME),
        sa.CheckConstraint('coop_id IS NULL OR submitted_at IS NOT NULL',
                           name='ck_onboarding_drafts_coop_when_submitted'),
        sa.CheckConstraint('applied_at IS NULL OR coop_id IS NOT NULL',
                           name='ck_onboarding_drafts_applied_needs_coop'),
        sa.CheckConstraint('contact_email IS NULL OR contact_email = lower(contact_email)',
                           name='ck_onboarding_drafts_contact_email_lower'),
        sa.ForeignKeyConstraint(['advisor_account_id'], ['accounts.id'],
                                name='fk_onboarding_drafts_advisor_account_id_accounts',
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'],
                                name='fk_onboarding_drafts_agency_id_agencies',
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['coop_id'], ['coops.id'],
                                name='fk_onboarding_drafts_coop_id_coops', ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name='pk_onboarding_drafts'),
        sa.UniqueConstraint('coop_id', name='uq_onboarding_drafts_coop_id'),
        sa.UniqueConstraint('mailed_token_hash', name='uq_onboarding_drafts_mailed_token_hash'),
        sa.UniqueConstraint('token_hash', name='uq_onboarding_drafts_token_hash'),
        sa.Index('ix_onboarding_drafts_advisor_account_id', 'advisor_account_id'),
        sa.Index('ix_onboarding_drafts_agency_id', 'agency_id'),
        sa.Index('ix_onboarding_drafts_slug', 'slug'))


def _set_pages(before, after) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(NAME, 'onboarding_drafts', type_='check', schema='federation')
        op.create_check_constraint(NAME, 'onboarding_drafts', _pages(after),
                                   schema='federation')
        return
    with op.batch_alter_table('onboarding_drafts', copy_from=_drafts(before),
                              recreate='always') as batch_op:
        batch_op.drop_constraint(NAME, type_='check')
        batch_op.create_check_constraint(NAME, _pages(after))


def upgrade() -> None:
    _set_pages(BEFORE, AFTER)


def downgrade() -> None:
    # A draft that had reached the new step goes back to the step before it.
    drafts = sa.table('onboarding_drafts', sa.column('step_reached', sa.String),
                      schema='federation')
    op.execute(drafts.update().where(drafts.c.step_reached == 'legal')
               .values(step_reached='services'))
    _set_pages(AFTER, BEFORE)

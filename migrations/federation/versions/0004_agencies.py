"""agencies: portfolio, checklist, notes and hand-overs (issue 4)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 13:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

STAGES = ('enquiry', 'forming', 'registering', 'trading')
CHECKLIST_KEYS = ('legal_form', 'fca_registration', 'ciw_registration', 'dbs_umbrella',
                  'employers_liability', 'bank_account', 'first_agm', 'funding')
OPEN = 'accepted_at IS NULL AND cancelled_at IS NULL'


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table('supported_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('lead_advisor_account_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_cy', sa.String(length=200), nullable=True),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('next_contact_on', sa.Date(), nullable=True),
    sa.Column('draft_id', sa.Integer(), nullable=True),
    sa.Column('coop_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint(_in('stage', STAGES), name=op.f('ck_supported_groups_stage')),
    sa.CheckConstraint('length(trim(name)) > 0', name=op.f('ck_supported_groups_name_not_blank')),
    sa.ForeignKeyConstraint(['agency_id'], ['federation.agencies.id'], name=op.f('fk_supported_groups_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['coop_id'], ['federation.coops.id'], name=op.f('fk_supported_groups_coop_id_coops'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['draft_id'], ['federation.onboarding_drafts.id'], name=op.f('fk_supported_groups_draft_id_onboarding_drafts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lead_advisor_account_id'], ['federation.accounts.id'], name=op.f('fk_supported_groups_lead_advisor_account_id_accounts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supported_groups')),
    sa.UniqueConstraint('agency_id', 'coop_id', name=op.f('uq_supported_groups_agency_id_coop_id')),
    sa.UniqueConstraint('agency_id', 'name', name=op.f('uq_supported_groups_agency_id_name')),
    sa.UniqueConstraint('draft_id', name=op.f('uq_supported_groups_draft_id')),
    schema='federation'
    )
    with op.batch_alter_table('supported_groups', schema='federation') as batch_op:
        batch_op.create_index(batch_op.f('ix_supported_groups_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supported_groups_next_contact_on'), ['next_contact_on'], unique=False)

    op.create_table('checklist_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=32), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.CheckConstraint(_in('item_key', CHECKLIST_KEYS), name=op.f('ck_checklist_items_item_key')),
    sa.ForeignKeyConstraint(['group_id'], ['federation.supported_groups.id'], name=op.f('fk_checklist_items_group_id_supported_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_items')),
    sa.UniqueConstraint('group_id', 'item_key', name=op.f('uq_checklist_items_group_id_item_key')),
    schema='federation'
    )
    op.create_table('group_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('author_account_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('length(body) BETWEEN 1 AND 4000', name=op.f('ck_group_notes_body_length')),
    sa.ForeignKeyConstraint(['author_account_id'], ['federation.accounts.id'], name=op.f('fk_group_notes_author_account_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['federation.supported_groups.id'], name=op.f('fk_group_notes_group_id_supported_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_notes')),
    schema='federation'
    )
    with op.batch_alter_table('group_notes', schema='federation') as batch_op:
        batch_op.create_index(batch_op.f('ix_group_notes_group_id'), ['group_id'], unique=False)

    op.create_table('handovers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('from_account_id', sa.Integer(), nullable=True),
    sa.Column('to_email', sa.String(length=254), nullable=False),
    sa.Column('to_name', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_by_account_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('to_email = lower(to_email)', name=op.f('ck_handovers_to_email_lower')),
    sa.ForeignKeyConstraint(['accepted_by_account_id'], ['federation.accounts.id'], name=op.f('fk_handovers_accepted_by_account_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['coop_id'], ['federation.coops.id'], name=op.f('fk_handovers_coop_id_coops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_account_id'], ['federation.accounts.id'], name=op.f('fk_handovers_from_account_id_accounts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handovers')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_handovers_token_hash')),
    schema='federation'
    )
    with op.batch_alter_table('handovers', schema='federation') as batch_op:
        batch_op.create_index(batch_op.f('ix_handovers_coop_id'), ['coop_id'], unique=False)
        batch_op.create_index('uq_handovers_open', ['coop_id'], unique=True, postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))


def downgrade() -> None:
    op.drop_table('handovers', schema='federation')
    op.drop_table('group_notes', schema='federation')
    op.drop_table('checklist_items', schema='federation')
    op.drop_table('supported_groups', schema='federation')

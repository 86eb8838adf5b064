"""the register of officers, officer elections and the co-op's tasks (issue 10)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 07:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OFFICES = "office IN ('chair', 'vice_chair', 'secretary', 'treasurer', 'committee_member')"


def upgrade() -> None:
    op.create_table('officers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('appointed_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint(OFFICES, name=op.f('ck_officers_office')),
    sa.CheckConstraint('ended_on IS NULL OR ended_on >= appointed_on', name=op.f('ck_officers_ended_after')),
    sa.CheckConstraint('length(trim(name)) > 0', name=op.f('ck_officers_name_not_blank')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_officers_member_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officers'))
    )
    with op.batch_alter_table('officers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_officers_member_id'), ['member_id'], unique=False)

    op.create_table('officer_elections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('office', sa.String(length=32), nullable=False),
    sa.Column('candidate_name', sa.String(length=200), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('carried_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(OFFICES, name=op.f('ck_officer_elections_office')),
    sa.CheckConstraint('length(trim(candidate_name)) > 0', name=op.f('ck_officer_elections_candidate_not_blank')),
    sa.CheckConstraint('officer_id IS NULL OR carried_at IS NOT NULL', name=op.f('ck_officer_elections_appointed_when_carried')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_officer_elections_member_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_officer_elections_officer_id_officers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_officer_elections_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officer_elections')),
    sa.UniqueConstraint('officer_id', name=op.f('uq_officer_elections_officer_id')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_officer_elections_proposal_id'))
    )

    op.create_table('coop_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=80), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("kind IN ('ciw_notification', 'startup')", name=op.f('ck_coop_tasks_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coop_tasks')),
    sa.UniqueConstraint('code', 'source', name=op.f('uq_coop_tasks_code_source'))
    )
    with op.batch_alter_table('coop_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coop_tasks_due_on'), ['due_on'], unique=False)


def downgrade() -> None:
    op.drop_table('coop_tasks')
    op.drop_table('officer_elections')
    op.drop_table('officers')

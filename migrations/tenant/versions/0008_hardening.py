"""hardening (issue 14): unique constraints where a race could duplicate

One unsent invitation per member, and one register entry per founding member listed in
an onboarding draft.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 07:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

UNSENT = 'sent_at IS NULL AND accepted_at IS NULL'


def upgrade() -> None:
    op.create_table('founding_members',
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_founding_members_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('draft_id', 'position', name=op.f('pk_founding_members')),
    sa.UniqueConstraint('member_id', name=op.f('uq_founding_members_member_id'))
    )
    # Duplicates a race already made were never emailed (nobody holds their link): keep
    # the newest unsent invitation of each member.
    op.execute(f'DELETE FROM invitations WHERE {UNSENT} AND id NOT IN '
               f'(SELECT max(id) FROM invitations WHERE {UNSENT} GROUP BY member_id)')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index('uq_invitations_unsent_member', ['member_id'], unique=True, sqlite_where=sa.text(UNSENT), postgresql_where=sa.text(UNSENT))


def downgrade() -> None:
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index('uq_invitations_unsent_member')
    op.drop_table('founding_members')

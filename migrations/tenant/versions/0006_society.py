"""society law and members who are not online (issue 12): offline votes, proxies, meetings, registers, share transactions

Votes recorded on a member's behalf (paper, postal, assisted, in the room) and proxies;
general meetings with notices, attendance and proposals tied to them; share transactions;
and a care-related flag on member classes (wales-care-rules.md §6).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 07:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('general_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.Text(), nullable=False),
    sa.Column('quorum', sa.Integer(), nullable=False),
    sa.Column('notice_days', sa.Integer(), nullable=False),
    sa.Column('proxies_allowed', sa.Boolean(), nullable=False),
    sa.Column('notice_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('created_by_account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("kind IN ('annual', 'general')", name=op.f('ck_general_meetings_kind')),
    sa.CheckConstraint('notice_days >= 0', name=op.f('ck_general_meetings_notice_days')),
    sa.CheckConstraint('quorum >= 1', name=op.f('ck_general_meetings_quorum')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_general_meetings'))
    )
    op.create_table('society_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('year_end', sa.Date(), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("kind IN ('agm', 'fca_return')", name=op.f('ck_society_reminders_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_society_reminders')),
    sa.UniqueConstraint('kind', 'year_end', 'stage', name=op.f('uq_society_reminders_kind_year_end_stage'))
    )
    op.create_table('meeting_attendance',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_account_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['general_meetings.id'], name=op.f('fk_meeting_attendance_meeting_id_general_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_meeting_attendance_member_id_members'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('meeting_id', 'member_id', name=op.f('pk_meeting_attendance'))
    )
    op.create_table('meeting_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('email', 'letter')", name=op.f('ck_meeting_notices_channel')),
    sa.ForeignKeyConstraint(['meeting_id'], ['general_meetings.id'], name=op.f('fk_meeting_notices_meeting_id_general_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_meeting_notices_member_id_members'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_notices')),
    sa.UniqueConstraint('meeting_id', 'member_id', name=op.f('uq_meeting_notices_meeting_id_member_id'))
    )
    op.create_table('proxy_appointments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('proxy_member_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('proxy_member_id <> member_id', name=op.f('ck_proxy_appointments_not_self')),
    sa.ForeignKeyConstraint(['meeting_id'], ['general_meetings.id'], name=op.f('fk_proxy_appointments_meeting_id_general_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_proxy_appointments_member_id_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['proxy_member_id'], ['members.id'], name=op.f('fk_proxy_appointments_proxy_member_id_members'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proxy_appointments')),
    sa.UniqueConstraint('meeting_id', 'member_id', name=op.f('uq_proxy_appointments_meeting_id_member_id'))
    )
    with op.batch_alter_table('proxy_appointments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proxy_appointments_proxy_member_id'), ['proxy_member_id'], unique=False)

    op.create_table('share_transactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('shares', sa.Integer(), nullable=False),
    sa.Column('amount_pence', sa.Integer(), nullable=False),
    sa.Column('applied_on', sa.Date(), nullable=False),
    sa.Column('approved_by_account_id', sa.Integer(), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('settled_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("kind = 'application' OR state NOT IN ('paid', 'allotted')", name=op.f('ck_share_transactions_withdrawal_states')),
    sa.CheckConstraint("kind = 'withdrawal' OR state <> 'completed'", name=op.f('ck_share_transactions_application_states')),
    sa.CheckConstraint("kind IN ('application', 'withdrawal')", name=op.f('ck_share_transactions_kind')),
    sa.CheckConstraint("state IN ('applied', 'approved', 'paid', 'allotted', 'completed', 'refused')", name=op.f('ck_share_transactions_state')),
    sa.CheckConstraint("state IN ('applied', 'refused') OR approved_on IS NOT NULL", name=op.f('ck_share_transactions_approved_on_set')),
    sa.CheckConstraint("state NOT IN ('allotted', 'completed') OR settled_on IS NOT NULL", name=op.f('ck_share_transactions_settled_on_set')),
    sa.CheckConstraint('amount_pence >= 0', name=op.f('ck_share_transactions_amount_pence')),
    sa.CheckConstraint('shares > 0', name=op.f('ck_share_transactions_shares')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_share_transactions_member_id_members'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_transactions'))
    )
    with op.batch_alter_table('share_transactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_transactions_member_id'), ['member_id'], unique=False)

    op.create_table('proposal_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('author_account_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_comments_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_comments'))
    )
    with op.batch_alter_table('proposal_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_comments_proposal_id'), ['proposal_id'], unique=False)

    with op.batch_alter_table('ballot_participations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('method', sa.String(length=16), server_default='online', nullable=False))
        batch_op.add_column(sa.Column('recorded_by_account_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('witnessed_by_account_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('witnessed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('proxy_member_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_ballot_participations_proxy_member_id_members'), 'members', ['proxy_member_id'], ['id'], ondelete='RESTRICT')

    with op.batch_alter_table('member_classes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('care_related', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('easy_read', sa.Text(), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_proposals_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_proposals_meeting_id_general_meetings'), 'general_meetings', ['meeting_id'], ['id'], ondelete='RESTRICT')

    # ### end Alembic commands ###

    with op.batch_alter_table('ballot_participations', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_ballot_participations_method'),
            "method IN ('online', 'paper', 'postal', 'assisted', 'in_room', 'proxy')")
        batch_op.create_check_constraint(
            op.f('ck_ballot_participations_recorded_by_someone'),
            "method IN ('online', 'proxy') OR recorded_by_account_id IS NOT NULL")
        batch_op.create_check_constraint(
            op.f('ck_ballot_participations_witness_is_someone_else'),
            "witnessed_by_account_id IS NULL OR recorded_by_account_id IS NULL "
            "OR witnessed_by_account_id <> recorded_by_account_id")
        batch_op.create_check_constraint(
            op.f('ck_ballot_participations_proxy'),
            "(method = 'proxy') = (proxy_member_id IS NOT NULL)")
        batch_op.create_check_constraint(
            op.f('ck_ballot_participations_proxy_is_someone_else'),
            "proxy_member_id IS NULL OR proxy_member_id <> member_id")
        batch_op.create_check_constraint(
            op.f('ck_ballot_participations_witnessed_together'),
            "(witnessed_at IS NULL) = (witnessed_by_account_id IS NULL)")

    # Labels that reveal care are special-category data (UK GDPR Art. 9).
    op.execute("UPDATE member_classes SET care_related = true WHERE code IN "
               "('service_user', 'cared_for', 'dp_holder', 'family_carer', 'representative')")


def downgrade() -> None:
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_proposals_meeting_id_general_meetings'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_proposals_meeting_id'))
        batch_op.drop_column('easy_read')
        batch_op.drop_column('meeting_id')

    with op.batch_alter_table('member_classes', schema=None) as batch_op:
        batch_op.drop_column('care_related')

    with op.batch_alter_table('ballot_participations', schema=None) as batch_op:
        for name in ('method', 'recorded_by_someone', 'witness_is_someone_else', 'proxy',
                     'proxy_is_someone_else', 'witnessed_together'):
            batch_op.drop_constraint(op.f(f'ck_ballot_participations_{name}'), type_='check')

    with op.batch_alter_table('ballot_participations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ballot_participations_proxy_member_id_members'), type_='foreignkey')
        batch_op.drop_column('proxy_member_id')
        batch_op.drop_column('witnessed_at')
        batch_op.drop_column('witnessed_by_account_id')
        batch_op.drop_column('recorded_by_account_id')
        batch_op.drop_column('method')

    with op.batch_alter_table('proposal_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_comments_proposal_id'))

    op.drop_table('proposal_comments')
    with op.batch_alter_table('share_transactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_transactions_member_id'))

    op.drop_table('share_transactions')
    with op.batch_alter_table('proxy_appointments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proxy_appointments_proxy_member_id'))

    op.drop_table('proxy_appointments')
    op.drop_table('meeting_notices')
    op.drop_table('meeting_attendance')
    op.drop_table('society_reminders')
    op.drop_table('general_meetings')
    # ### end Alembic commands ###

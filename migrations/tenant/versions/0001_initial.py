"""initial

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 10:57:31.927371
"""

from alembic import op
import sqlalchemy as sa

from core.ddl import append_only_sql


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('actor_account_id', sa.Integer(), nullable=True),
    sa.Column('subject_type', sa.String(length=32), nullable=True),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)

    op.create_table('member_classes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('name_cy', sa.String(length=120), nullable=False),
    sa.Column('voting', sa.Boolean(), nullable=False),
    sa.Column('vote_cap_pct', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('min_shares', sa.Integer(), nullable=False),
    sa.Column('eligibility_en', sa.Text(), nullable=False),
    sa.Column('eligibility_cy', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('min_shares >= 0', name=op.f('ck_member_classes_min_shares')),
    sa.CheckConstraint('vote_cap_pct IS NULL OR (vote_cap_pct > 0 AND vote_cap_pct <= 100)', name=op.f('ck_member_classes_vote_cap_pct')),
    sa.CheckConstraint('vote_cap_pct IS NULL OR voting', name=op.f('ck_member_classes_cap_needs_vote')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_classes')),
    sa.UniqueConstraint('code', name=op.f('uq_member_classes_code'))
    )
    op.create_table('outbox_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_outbox_events_event_id'))
    )
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_events_undelivered', ['id'], unique=False, sqlite_where=sa.text('delivered_at IS NULL'), postgresql_where=sa.text('delivered_at IS NULL'))

    op.create_table('settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    # The audit log is append-only: the database itself refuses UPDATE and DELETE.
    for statement in append_only_sql(op.get_bind().dialect.name, "audit_events"):
        op.execute(statement)


def downgrade() -> None:
    op.drop_table('settings')
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_events_undelivered', sqlite_where=sa.text('delivered_at IS NULL'), postgresql_where=sa.text('delivered_at IS NULL'))

    op.drop_table('outbox_events')
    op.drop_table('member_classes')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')

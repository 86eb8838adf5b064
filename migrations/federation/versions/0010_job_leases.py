"""background work recoverable from PostgreSQL alone (issue 14): job leases and sent mail

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 07:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_leases',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('holder', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_job_leases')),
    schema='federation'
    )
    with op.batch_alter_table('job_leases', schema='federation') as batch_op:
        batch_op.create_index(batch_op.f('ix_job_leases_expires_at'), ['expires_at'], unique=False)
    op.create_table('sent_mail',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('job', sa.String(length=120), nullable=False),
    sa.Column('job_args', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('sending', 'sent')", name=op.f('ck_sent_mail_status')),
    sa.CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name=op.f('ck_sent_mail_sent_has_time')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_sent_mail')),
    schema='federation'
    )
    with op.batch_alter_table('sent_mail', schema='federation') as batch_op:
        batch_op.create_index(batch_op.f('ix_sent_mail_lease_until'), ['lease_until'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sent_mail', schema='federation') as batch_op:
        batch_op.drop_index(batch_op.f('ix_sent_mail_lease_until'))
    op.drop_table('sent_mail', schema='federation')
    with op.batch_alter_table('job_leases', schema='federation') as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_leases_expires_at'))
    op.drop_table('job_leases', schema='federation')

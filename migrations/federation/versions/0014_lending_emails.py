"""worker emails about lending offers: an outbox row per email, sent once by the mail job (issue 11)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 23:19:29
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


KINDS = "kind IN ('approved', 'declined', 'confirmed', 'cancelled', 'expiring', 'expired')"


def upgrade() -> None:
    op.create_table('lending_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(KINDS, name=op.f('ck_lending_emails_kind')),
    sa.ForeignKeyConstraint(['account_id'], ['federation.accounts.id'], name=op.f('fk_lending_emails_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agreement_id'], ['federation.lending_agreements.id'], name=op.f('fk_lending_emails_agreement_id_lending_agreements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lending_emails')),
    sa.UniqueConstraint('agreement_id', 'account_id', 'kind', name=op.f('uq_lending_emails_agreement_id_account_id_kind')),
    schema='federation'
    )
    op.create_index(op.f('ix_lending_emails_account_id'), 'lending_emails', ['account_id'], unique=False, schema='federation')
    op.create_index('ix_lending_emails_unsent', 'lending_emails', ['id'], unique=False, schema='federation', sqlite_where=sa.text('sent_at IS NULL'), postgresql_where=sa.text('sent_at IS NULL'))


def downgrade() -> None:
    op.drop_table('lending_emails', schema='federation')

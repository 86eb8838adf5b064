"""security hardening (issue 14): verified email addresses, idle login sessions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 07:50:00

Accounts that existed before are left unverified: the first time each signs in, a
link is emailed, so an address squatted before this release gains nothing.
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def _schema() -> str | None:
    # A plain ALTER is not translated: SQLite's federation file has no schema.
    return None if op.get_bind().dialect.name == 'sqlite' else 'federation'


def upgrade() -> None:
    # Nullable columns with no default: a plain ALTER, even on SQLite.
    op.add_column('accounts', sa.Column('email_verified_at', sa.DateTime(timezone=True),
                                        nullable=True), schema=_schema())
    op.add_column('login_sessions', sa.Column('last_seen_at', sa.DateTime(timezone=True),
                                              nullable=True), schema=_schema())
    op.create_table('email_verifications',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(token_hash) = 64', name=op.f('ck_email_verifications_token_hash')),
    sa.ForeignKeyConstraint(['account_id'], ['federation.accounts.id'], name=op.f('fk_email_verifications_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_email_verifications')),
    schema='federation'
    )
    op.create_index(op.f('ix_email_verifications_account_id'), 'email_verifications', ['account_id'], unique=False, schema='federation')


def downgrade() -> None:
    op.drop_index(op.f('ix_email_verifications_account_id'), table_name='email_verifications', schema='federation')
    op.drop_table('email_verifications', schema='federation')
    with op.batch_alter_table('login_sessions', schema='federation') as batch:
        batch.drop_column('last_seen_at')
    with op.batch_alter_table('accounts', schema='federation') as batch:
        batch.drop_column('email_verified_at')

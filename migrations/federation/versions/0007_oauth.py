"""OAuth2 clients and tokens (issue 6): regional bodies' API clients, bound to an area

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 13:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('oauth_clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=48), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('area_kind', sa.String(length=8), nullable=False),
    sa.Column('area', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=200), nullable=False),
    sa.Column('created_by_account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("area_kind IN ('wales', 'rpb', 'la')", name=op.f('ck_oauth_clients_area_kind')),
    sa.CheckConstraint("area_kind <> 'wales' OR area = 'W92000004'", name=op.f('ck_oauth_clients_wales_area')),
    sa.CheckConstraint('length(secret_hash) = 64', name=op.f('ck_oauth_clients_secret_hash')),
    sa.ForeignKeyConstraint(['created_by_account_id'], ['federation.accounts.id'], name=op.f('fk_oauth_clients_created_by_account_id_accounts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_clients')),
    sa.UniqueConstraint('client_id', name=op.f('uq_oauth_clients_client_id')),
    schema='federation'
    )
    op.create_table('oauth_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_pk', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=200), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('expires_at > issued_at', name=op.f('ck_oauth_tokens_expiry')),
    sa.CheckConstraint('length(token_hash) = 64', name=op.f('ck_oauth_tokens_token_hash')),
    sa.ForeignKeyConstraint(['client_pk'], ['federation.oauth_clients.id'], name=op.f('fk_oauth_tokens_client_pk_oauth_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_oauth_tokens_token_hash')),
    schema='federation'
    )
    with op.batch_alter_table('oauth_tokens', schema='federation') as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_tokens_client_pk'), ['client_pk'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('oauth_tokens', schema='federation') as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_tokens_client_pk'))

    op.drop_table('oauth_tokens', schema='federation')
    op.drop_table('oauth_clients', schema='federation')

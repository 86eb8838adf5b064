"""initial

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 10:57:31.905786
"""

from alembic import op
import sqlalchemy as sa

from core.ddl import append_only_sql


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('locale', sa.String(length=2), nullable=False),
    sa.Column('is_federation_admin', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("locale IN ('en', 'cy')", name=op.f('ck_accounts_locale')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_accounts_email_lower')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('email', name=op.f('uq_accounts_email')),
    schema='federation'
    )
    op.create_table('agencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_cy', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agencies')),
    sa.UniqueConstraint('name', name=op.f('uq_agencies_name')),
    schema='federation'
    )
    op.create_table('audit_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('actor_account_id', sa.Integer(), nullable=True),
    sa.Column('coop_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    schema='federation'
    )
    with op.batch_alter_table('audit_events', schema='federation') as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_actor_account_id'), ['actor_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_coop_id'), ['coop_id'], unique=False)

    op.create_table('agency_advisors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['federation.accounts.id'], name=op.f('fk_agency_advisors_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agency_id'], ['federation.agencies.id'], name=op.f('fk_agency_advisors_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_advisors')),
    sa.UniqueConstraint('agency_id', 'account_id', name=op.f('uq_agency_advisors_agency_id_account_id')),
    schema='federation'
    )
    with op.batch_alter_table('agency_advisors', schema='federation') as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_advisors_account_id'), ['account_id'], unique=False)

    op.create_table('analyst_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('area_kind', sa.String(length=8), nullable=False),
    sa.Column('area', sa.String(length=64), nullable=False),
    sa.CheckConstraint("area_kind IN ('wales', 'rpb', 'la')", name=op.f('ck_analyst_grants_area_kind')),
    sa.ForeignKeyConstraint(['account_id'], ['federation.accounts.id'], name=op.f('fk_analyst_grants_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analyst_grants')),
    sa.UniqueConstraint('account_id', 'area', name=op.f('uq_analyst_grants_account_id_area')),
    schema='federation'
    )
    with op.batch_alter_table('analyst_grants', schema='federation') as batch_op:
        batch_op.create_index(batch_op.f('ix_analyst_grants_account_id'), ['account_id'], unique=False)

    op.create_table('coops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_cy', sa.String(length=200), nullable=True),
    sa.Column('coop_type', sa.String(length=32), nullable=False),
    sa.Column('la_code', sa.String(length=9), nullable=False),
    sa.Column('default_locale', sa.String(length=2), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('state_reason', sa.String(length=500), nullable=True),
    sa.Column('schema_version', sa.String(length=64), nullable=True),
    sa.Column('first_admin_account_id', sa.Integer(), nullable=True),
    sa.Column('provisioning_attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('provisioned_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("coop_type IN ('worker', 'user_led', 'dp_pool', 'multi_stakeholder', 'foster', 'community')", name=op.f('ck_coops_coop_type')),
    sa.CheckConstraint("default_locale IN ('en', 'cy')", name=op.f('ck_coops_default_locale')),
    sa.CheckConstraint("la_code IN ('W06000001', 'W06000002', 'W06000003', 'W06000004', 'W06000005', 'W06000006', 'W06000008', 'W06000009', 'W06000010', 'W06000023', 'W06000011', 'W06000012', 'W06000013', 'W06000016', 'W06000024', 'W06000015', 'W06000014', 'W06000018', 'W06000019', 'W06000020', 'W06000021', 'W06000022')", name=op.f('ck_coops_la_code')),
    sa.CheckConstraint("state IN ('pending', 'provisioning', 'active', 'suspended', 'archived', 'failed', 'maintenance')", name=op.f('ck_coops_state')),
    sa.CheckConstraint('length(slug) BETWEEN 2 AND 40', name=op.f('ck_coops_slug_length')),
    sa.ForeignKeyConstraint(['first_admin_account_id'], ['federation.accounts.id'], name=op.f('fk_coops_first_admin_account_id_accounts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coops')),
    sa.UniqueConstraint('slug', name=op.f('uq_coops_slug')),
    schema='federation'
    )
    with op.batch_alter_table('coops', schema='federation') as batch_op:
        batch_op.create_index(batch_op.f('ix_coops_schema_version'), ['schema_version'], unique=False)
        batch_op.create_index(batch_op.f('ix_coops_state'), ['state'], unique=False)

    op.create_table('login_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['federation.accounts.id'], name=op.f('fk_login_sessions_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_login_sessions')),
    schema='federation'
    )
    with op.batch_alter_table('login_sessions', schema='federation') as batch_op:
        batch_op.create_index(batch_op.f('ix_login_sessions_account_id'), ['account_id'], unique=False)

    op.create_table('inbox_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['coop_id'], ['federation.coops.id'], name=op.f('fk_inbox_events_coop_id_coops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_events')),
    sa.UniqueConstraint('coop_id', 'event_id', name=op.f('uq_inbox_events_coop_id_event_id')),
    schema='federation'
    )
    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'coordinator', 'worker', 'member')", name=op.f('ck_memberships_role')),
    sa.ForeignKeyConstraint(['account_id'], ['federation.accounts.id'], name=op.f('fk_memberships_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['coop_id'], ['federation.coops.id'], name=op.f('fk_memberships_coop_id_coops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('account_id', 'coop_id', name=op.f('uq_memberships_account_id_coop_id')),
    schema='federation'
    )
    with op.batch_alter_table('memberships', schema='federation') as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_coop_id'), ['coop_id'], unique=False)

    # The audit log is append-only: the database itself refuses UPDATE and DELETE.
    dialect = op.get_bind().dialect.name
    schema = "federation" if dialect == "postgresql" else None
    for statement in append_only_sql(dialect, "audit_events", schema):
        op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table('memberships', schema='federation') as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_coop_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_account_id'))

    op.drop_table('memberships', schema='federation')
    op.drop_table('inbox_events', schema='federation')
    with op.batch_alter_table('login_sessions', schema='federation') as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_sessions_account_id'))

    op.drop_table('login_sessions', schema='federation')
    with op.batch_alter_table('coops', schema='federation') as batch_op:
        batch_op.drop_index(batch_op.f('ix_coops_state'))
        batch_op.drop_index(batch_op.f('ix_coops_schema_version'))

    op.drop_table('coops', schema='federation')
    with op.batch_alter_table('analyst_grants', schema='federation') as batch_op:
        batch_op.drop_index(batch_op.f('ix_analyst_grants_account_id'))

    op.drop_table('analyst_grants', schema='federation')
    with op.batch_alter_table('agency_advisors', schema='federation') as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_advisors_account_id'))

    op.drop_table('agency_advisors', schema='federation')
    with op.batch_alter_table('audit_events', schema='federation') as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_coop_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_account_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events', schema='federation')
    op.drop_table('agencies', schema='federation')
    op.drop_table('accounts', schema='federation')

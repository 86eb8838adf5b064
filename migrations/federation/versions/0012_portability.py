"""portability (issue 15): export and subject-access jobs, co-ops leaving, co-ops imported

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 07:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('portability_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('coop_id', sa.Integer(), nullable=True),
    sa.Column('requested_by_account_id', sa.Integer(), nullable=True),
    sa.Column('subject_account_id', sa.Integer(), nullable=True),
    sa.Column('subject_ref', sa.String(length=32), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('downloaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('coop_export', 'subject_access')", name=op.f('ck_portability_jobs_kind')),
    sa.CheckConstraint("state IN ('queued', 'running', 'ready', 'downloaded', 'failed', 'expired')", name=op.f('ck_portability_jobs_state')),
    sa.CheckConstraint('progress BETWEEN 0 AND 100', name=op.f('ck_portability_jobs_progress')),
    sa.CheckConstraint("kind <> 'coop_export' OR coop_id IS NOT NULL", name=op.f('ck_portability_jobs_export_has_coop')),
    sa.CheckConstraint("kind <> 'subject_access' OR subject_account_id IS NOT NULL OR (coop_id IS NOT NULL AND subject_ref IS NOT NULL)", name=op.f('ck_portability_jobs_subject_named')),
    sa.ForeignKeyConstraint(['coop_id'], ['federation.coops.id'], name=op.f('fk_portability_jobs_coop_id_coops'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requested_by_account_id'], ['federation.accounts.id'], name=op.f('fk_portability_jobs_requested_by_account_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subject_account_id'], ['federation.accounts.id'], name=op.f('fk_portability_jobs_subject_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portability_jobs')),
    schema='federation'
    )
    with op.batch_alter_table('portability_jobs', schema='federation') as batch_op:
        batch_op.create_index(batch_op.f('ix_portability_jobs_coop_id'), ['coop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_portability_jobs_requested_by_account_id'), ['requested_by_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_portability_jobs_subject_account_id'), ['subject_account_id'], unique=False)
    op.create_table('coop_leavings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('started_by_account_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('grace_days', sa.Integer(), nullable=False),
    sa.Column('leaves_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('export_job_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('grace', 'cancelled', 'completed')", name=op.f('ck_coop_leavings_state')),
    sa.CheckConstraint('grace_days BETWEEN 0 AND 365', name=op.f('ck_coop_leavings_grace_days')),
    sa.CheckConstraint("state <> 'completed' OR completed_at IS NOT NULL", name=op.f('ck_coop_leavings_completed_has_time')),
    sa.ForeignKeyConstraint(['coop_id'], ['federation.coops.id'], name=op.f('fk_coop_leavings_coop_id_coops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['started_by_account_id'], ['federation.accounts.id'], name=op.f('fk_coop_leavings_started_by_account_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['export_job_id'], ['federation.portability_jobs.id'], name=op.f('fk_coop_leavings_export_job_id_portability_jobs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coop_leavings')),
    schema='federation'
    )
    with op.batch_alter_table('coop_leavings', schema='federation') as batch_op:
        batch_op.create_index(batch_op.f('ix_coop_leavings_coop_id'), ['coop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coop_leavings_leaves_at'), ['leaves_at'], unique=False)
        batch_op.create_index('uq_coop_leavings_open', ['coop_id'], unique=True,
                              sqlite_where=sa.text("state = 'grace'"),
                              postgresql_where=sa.text("state = 'grace'"))
    op.create_table('coop_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('archive_sha256', sa.String(length=64), nullable=False),
    sa.Column('source_slug', sa.String(length=40), nullable=False),
    sa.Column('schema_head', sa.String(length=64), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['coop_id'], ['federation.coops.id'], name=op.f('fk_coop_imports_coop_id_coops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coop_imports')),
    sa.UniqueConstraint('coop_id', name=op.f('uq_coop_imports_coop_id')),
    schema='federation'
    )
    with op.batch_alter_table('coop_imports', schema='federation') as batch_op:
        batch_op.create_index(batch_op.f('ix_coop_imports_archive_sha256'), ['archive_sha256'], unique=False)


def downgrade() -> None:
    op.drop_table('coop_imports', schema='federation')
    op.drop_table('coop_leavings', schema='federation')
    op.drop_table('portability_jobs', schema='federation')

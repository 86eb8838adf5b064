"""pooled statistics: raw rollups (restricted), releases and their disclosure-controlled cells

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 13:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stats_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('input_digest', sa.String(length=64), nullable=True),
    sa.Column('output_digest', sa.String(length=64), nullable=True),
    sa.Column('cell_count', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('requested_by_account_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status <> 'published' OR output_digest IS NOT NULL", name=op.f('ck_stats_releases_published_has_digest')),
    sa.CheckConstraint("status IN ('running', 'published', 'failed')", name=op.f('ck_stats_releases_status')),
    sa.CheckConstraint('progress BETWEEN 0 AND 100', name=op.f('ck_stats_releases_progress')),
    sa.CheckConstraint('version > 0', name=op.f('ck_stats_releases_version_positive')),
    sa.ForeignKeyConstraint(['requested_by_account_id'], ['federation.accounts.id'], name=op.f('fk_stats_releases_requested_by_account_id_accounts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_releases')),
    sa.UniqueConstraint('version', name=op.f('uq_stats_releases_version')),
    schema='federation'
    )
    with op.batch_alter_table('stats_releases', schema='federation') as batch_op:
        batch_op.create_index('uq_stats_releases_running', ['status'], unique=True, postgresql_where=sa.text("status = 'running'"), sqlite_where=sa.text("status = 'running'"))
    op.create_table('stats_cell_refs',
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('cell_key', sa.String(length=160), nullable=False),
    sa.Column('coop_ids', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['federation.stats_releases.id'], name=op.f('fk_stats_cell_refs_release_id_stats_releases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('release_id', 'cell_key', name=op.f('pk_stats_cell_refs')),
    schema='federation'
    )
    op.create_table('stats_cells',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('geography_kind', sa.String(length=8), nullable=False),
    sa.Column('geography_code', sa.String(length=40), nullable=False),
    sa.Column('measure', sa.String(length=24), nullable=False),
    sa.Column('period_kind', sa.String(length=8), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('breakdown', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=24), nullable=True),
    sa.CheckConstraint("(breakdown = '') = (category = '')", name=op.f('ck_stats_cells_category_with_breakdown')),
    sa.CheckConstraint("(status = 'shown' AND value IS NOT NULL AND value >= 0 AND reason IS NULL) OR (status = 'suppressed' AND value IS NULL AND reason IS NOT NULL)", name=op.f('ck_stats_cells_value_matches_status')),
    sa.CheckConstraint("breakdown IN ('', 'age_band', 'need_type', 'funding_source', 'language', 'coop_type')", name=op.f('ck_stats_cells_breakdown')),
    sa.CheckConstraint("geography_kind IN ('wales', 'rpb', 'la')", name=op.f('ck_stats_cells_geography_kind')),
    sa.CheckConstraint("measure IN ('care_hours', 'visits', 'clients', 'workers', 'members', 'hours_lent_in', 'hours_lent_out', 'staff_lent_in', 'staff_lent_out')", name=op.f('ck_stats_cells_measure')),
    sa.CheckConstraint("period_kind IN ('week', 'month', 'quarter', 'year')", name=op.f('ck_stats_cells_period_kind')),
    sa.CheckConstraint("reason IS NULL OR reason IN ('low_count', 'few_coops', 'dominance', 'secondary', 'linked_person_cell', 'held_back')", name=op.f('ck_stats_cells_reason')),
    sa.CheckConstraint("status IN ('shown', 'suppressed')", name=op.f('ck_stats_cells_status')),
    sa.ForeignKeyConstraint(['release_id'], ['federation.stats_releases.id'], name=op.f('fk_stats_cells_release_id_stats_releases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_cells')),
    sa.UniqueConstraint('release_id', 'geography_kind', 'geography_code', 'measure', 'period_kind', 'period', 'breakdown', 'category', name='uq_stats_cells_key'),
    schema='federation'
    )
    with op.batch_alter_table('stats_cells', schema='federation') as batch_op:
        batch_op.create_index('ix_stats_cells_lookup', ['release_id', 'geography_kind', 'geography_code', 'measure', 'period_kind', 'breakdown'], unique=False)
    op.create_table('stats_release_coops',
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('shares_statistics', sa.Boolean(), nullable=False),
    sa.Column('la_code', sa.String(length=9), nullable=False),
    sa.Column('coop_type', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['coop_id'], ['federation.coops.id'], name=op.f('fk_stats_release_coops_coop_id_coops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['release_id'], ['federation.stats_releases.id'], name=op.f('fk_stats_release_coops_release_id_stats_releases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('release_id', 'coop_id', name=op.f('pk_stats_release_coops')),
    schema='federation'
    )
    op.create_table('stats_rollup_weeks',
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('revision > 0', name=op.f('ck_stats_rollup_weeks_revision_positive')),
    sa.ForeignKeyConstraint(['coop_id'], ['federation.coops.id'], name=op.f('fk_stats_rollup_weeks_coop_id_coops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('coop_id', 'week', name=op.f('pk_stats_rollup_weeks')),
    schema='federation'
    )
    op.create_table('stats_rollups',
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.Column('measure', sa.String(length=24), nullable=False),
    sa.Column('breakdown', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.CheckConstraint("breakdown IN ('', 'age_band', 'need_type', 'funding_source', 'language', 'coop_type')", name=op.f('ck_stats_rollups_breakdown')),
    sa.CheckConstraint("measure IN ('care_hours', 'visits', 'clients', 'workers', 'members', 'hours_lent_in', 'hours_lent_out', 'staff_lent_in', 'staff_lent_out')", name=op.f('ck_stats_rollups_measure')),
    sa.CheckConstraint('revision > 0', name=op.f('ck_stats_rollups_revision_positive')),
    sa.CheckConstraint('value >= 0', name=op.f('ck_stats_rollups_value_nonnegative')),
    sa.ForeignKeyConstraint(['coop_id'], ['federation.coops.id'], name=op.f('fk_stats_rollups_coop_id_coops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('coop_id', 'week', 'measure', 'breakdown', 'category', name=op.f('pk_stats_rollups')),
    schema='federation'
    )


def downgrade() -> None:
    op.drop_table('stats_rollups', schema='federation')
    op.drop_table('stats_rollup_weeks', schema='federation')
    op.drop_table('stats_release_coops', schema='federation')
    op.drop_table('stats_cells', schema='federation')
    op.drop_table('stats_cell_refs', schema='federation')
    op.drop_table('stats_releases', schema='federation')

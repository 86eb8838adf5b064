"""the public directory by consent, named co-ops in releases, release usefulness, and four
new statistics measures (issue 13)

The new measures change the CHECK on ``measure`` of ``stats_cells`` and ``stats_rollups``.
On SQLite, where the federation has a file of its own and no schema, that means
rebuilding those tables from the definitions below (as 0008 does for drafts).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 07:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

WELSH_OFFERS = ('active_offer', 'some_welsh', 'english_only')
LA_CODES = ('W06000001', 'W06000002', 'W06000003', 'W06000004', 'W06000005', 'W06000006',
            'W06000008', 'W06000009', 'W06000010', 'W06000023', 'W06000011', 'W06000012',
            'W06000013', 'W06000016', 'W06000024', 'W06000015', 'W06000014', 'W06000018',
            'W06000019', 'W06000020', 'W06000021', 'W06000022')
GEOGRAPHY_KINDS = ('wales', 'rpb', 'la')
OLD_MEASURES = ('care_hours', 'visits', 'clients', 'workers', 'members', 'hours_lent_in',
                'hours_lent_out', 'staff_lent_in', 'staff_lent_out')
MEASURES = (*OLD_MEASURES, 'hours_unfilled', 'welsh_hours_required', 'welsh_hours_delivered',
            'workers_joined')
BREAKDOWNS = ('', 'age_band', 'need_type', 'funding_source', 'language', 'coop_type')


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _schema() -> str | None:
    return None if op.get_bind().dialect.name == 'sqlite' else 'federation'


def _cells(measures) -> sa.Table:
    """stats_cells as 0006 made it (in SQLite's file), with ``measures`` in the CHECK."""
    meta = sa.MetaData()
    sa.Table('stats_releases', meta, sa.Column('id', sa.Integer, primary_key=True))
    return sa.Table(
        'stats_cells', meta,
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
        sa.CheckConstraint("(breakdown = '') = (category = '')",
                           name='ck_stats_cells_category_with_breakdown'),
        sa.CheckConstraint("(status = 'shown' AND value IS NOT NULL AND value >= 0 AND reason "
                           "IS NULL) OR (status = 'suppressed' AND value IS NULL AND reason IS "
                           "NOT NULL)", name='ck_stats_cells_value_matches_status'),
        sa.CheckConstraint(_in('breakdown', BREAKDOWNS), name='ck_stats_cells_breakdown'),
        sa.CheckConstraint(_in('geography_kind', GEOGRAPHY_KINDS),
                           name='ck_stats_cells_geography_kind'),
        sa.CheckConstraint(_in('measure', measures), name='ck_stats_cells_measure'),
        sa.CheckConstraint("period_kind IN ('week', 'month', 'quarter', 'year')",
                           name='ck_stats_cells_period_kind'),
        sa.CheckConstraint("reason IS NULL OR reason IN ('low_count', 'few_coops', 'dominance', "
                           "'secondary', 'linked_person_cell', 'held_back')",
                           name='ck_stats_cells_reason'),
        sa.CheckConstraint("status IN ('shown', 'suppressed')", name='ck_stats_cells_status'),
        sa.ForeignKeyConstraint(['release_id'], ['stats_releases.id'],
                                name='fk_stats_cells_release_id_stats_releases',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_stats_cells'),
        sa.UniqueConstraint('release_id', 'geography_kind', 'geography_code', 'measure',
                            'period_kind', 'period', 'breakdown', 'category',
                            name='uq_stats_cells_key'),
        sa.Index('ix_stats_cells_lookup', 'release_id', 'geography_kind', 'geography_code',
                 'measure', 'period_kind', 'breakdown'))


def _rollups(measures) -> sa.Table:
    """stats_rollups as 0006 made it (in SQLite's file), with ``measures`` in the CHECK."""
    meta = sa.MetaData()
    sa.Table('coops', meta, sa.Column('id', sa.Integer, primary_key=True))
    return sa.Table(
        'stats_rollups', meta,
        sa.Column('coop_id', sa.Integer(), nullable=False),
        sa.Column('week', sa.String(length=8), nullable=False),
        sa.Column('measure', sa.String(length=24), nullable=False),
        sa.Column('breakdown', sa.String(length=16), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.CheckConstraint(_in('breakdown', BREAKDOWNS), name='ck_stats_rollups_breakdown'),
        sa.CheckConstraint(_in('measure', measures), name='ck_stats_rollups_measure'),
        sa.CheckConstraint('revision > 0', name='ck_stats_rollups_revision_positive'),
        sa.CheckConstraint('value >= 0', name='ck_stats_rollups_value_nonnegative'),
        sa.ForeignKeyConstraint(['coop_id'], ['coops.id'],
                                name='fk_stats_rollups_coop_id_coops', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('coop_id', 'week', 'measure', 'breakdown', 'category',
                                name='pk_stats_rollups'))


def _set_measures(before, after) -> None:
    for table, make in (('stats_cells', _cells), ('stats_rollups', _rollups)):
        name = f'ck_{table}_measure'
        if op.get_bind().dialect.name != 'sqlite':
            op.drop_constraint(name, table, type_='check', schema='federation')
            op.create_check_constraint(op.f(name), table, _in('measure', after),
                                       schema='federation')
            continue
        with op.batch_alter_table(table, copy_from=make(before), recreate='always') as batch_op:
            batch_op.drop_constraint(name, type_='check')
            batch_op.create_check_constraint(op.f(name), _in('measure', after))


def upgrade() -> None:
    _set_measures(OLD_MEASURES, MEASURES)
    op.create_table('directory_listings',
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('services', sa.String(length=500), nullable=False),
    sa.Column('services_cy', sa.String(length=500), nullable=True),
    sa.Column('welsh_offer', sa.String(length=16), nullable=False),
    sa.Column('ciw_service_id', sa.String(length=40), nullable=True),
    sa.Column('rating_url', sa.String(length=300), nullable=True),
    sa.Column('taking_new_people', sa.Boolean(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint(_in('welsh_offer', WELSH_OFFERS), name=op.f('ck_directory_listings_welsh_offer')),
    sa.CheckConstraint("rating_url IS NULL OR rating_url LIKE 'https://%'", name=op.f('ck_directory_listings_rating_url_https')),
    sa.CheckConstraint('length(services) BETWEEN 1 AND 500', name=op.f('ck_directory_listings_services_length')),
    sa.CheckConstraint('NOT published OR published_at IS NOT NULL', name=op.f('ck_directory_listings_published_has_time')),
    sa.ForeignKeyConstraint(['coop_id'], ['federation.coops.id'], name=op.f('fk_directory_listings_coop_id_coops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('coop_id', name=op.f('pk_directory_listings')),
    schema='federation'
    )
    op.create_table('directory_areas',
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('la_code', sa.String(length=9), nullable=False),
    sa.CheckConstraint(_in('la_code', LA_CODES), name=op.f('ck_directory_areas_la_code')),
    sa.ForeignKeyConstraint(['coop_id'], ['federation.directory_listings.coop_id'], name=op.f('fk_directory_areas_coop_id_directory_listings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('coop_id', 'la_code', name=op.f('pk_directory_areas')),
    schema='federation'
    )
    op.create_table('stats_release_usefulness',
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('geography_kind', sa.String(length=8), nullable=False),
    sa.Column('measure', sa.String(length=24), nullable=False),
    sa.Column('cells', sa.Integer(), nullable=False),
    sa.Column('shown', sa.Integer(), nullable=False),
    sa.CheckConstraint(_in('geography_kind', GEOGRAPHY_KINDS), name=op.f('ck_stats_release_usefulness_geography_kind')),
    sa.CheckConstraint(_in('measure', MEASURES), name=op.f('ck_stats_release_usefulness_measure')),
    sa.CheckConstraint('shown >= 0 AND shown <= cells', name=op.f('ck_stats_release_usefulness_shown_within_cells')),
    sa.ForeignKeyConstraint(['release_id'], ['federation.stats_releases.id'], name=op.f('fk_stats_release_usefulness_release_id_stats_releases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('release_id', 'geography_kind', 'measure', name=op.f('pk_stats_release_usefulness')),
    schema='federation'
    )
    # Plain ADD COLUMN of a nullable column: SQLite takes it in place.
    op.add_column('stats_release_coops', sa.Column('named_as', sa.String(length=200), nullable=True), schema=_schema())


def downgrade() -> None:
    # Figures of the new measures cannot stay once their names are refused.
    for table in ('stats_cells', 'stats_rollups'):
        rows = sa.table(table, sa.column('measure', sa.String), schema=_schema())
        op.execute(rows.delete().where(rows.c.measure.not_in(OLD_MEASURES)))
    # Plain DROP COLUMN (SQLite 3.35+ takes it in place; no table rebuild needed).
    op.drop_column('stats_release_coops', 'named_as', schema=_schema())
    op.drop_table('stats_release_usefulness', schema='federation')
    op.drop_table('directory_areas', schema='federation')
    op.drop_table('directory_listings', schema='federation')
    _set_measures(MEASURES, OLD_MEASURES)

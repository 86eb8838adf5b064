"""the co-op's legal position and CIW-registered services (issue 10)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 07:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

LEGAL_FORMS = ("co_operative_society", "community_benefit_society", "charitable_cbs",
               "company_limited_by_guarantee", "cic", "not_incorporated", "not_decided")
SOCIETY_FORMS = ("co_operative_society", "community_benefit_society", "charitable_cbs")
SERVICE_TYPES = ("domiciliary_support", "care_home", "adult_placement", "fostering")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table('legal_position',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('legal_form', sa.String(length=32), nullable=False),
    sa.Column('fca_society_number', sa.String(length=16), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('dbs_status_check_days', sa.Integer(), server_default=sa.text('365'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_legal_position_single_row')),
    sa.CheckConstraint(_in('legal_form', LEGAL_FORMS), name=op.f('ck_legal_position_legal_form')),
    sa.CheckConstraint('dbs_status_check_days BETWEEN 1 AND 1095', name=op.f('ck_legal_position_dbs_status_check_days')),
    sa.CheckConstraint(f"fca_society_number IS NULL OR {_in('legal_form', SOCIETY_FORMS)}", name=op.f('ck_legal_position_fca_number_for_societies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_position'))
    )
    op.create_table('registered_services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_type', sa.String(length=32), nullable=False),
    sa.Column('ciw_service_id', sa.String(length=32), nullable=False),
    sa.Column('responsible_individual', sa.String(length=200), nullable=False),
    sa.Column('registered_manager', sa.String(length=200), nullable=True),
    sa.Column('rating_url', sa.String(length=500), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint(_in('service_type', SERVICE_TYPES), name=op.f('ck_registered_services_service_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registered_services')),
    sa.UniqueConstraint('ciw_service_id', name=op.f('uq_registered_services_ciw_service_id'))
    )


def downgrade() -> None:
    op.drop_table('registered_services')
    op.drop_table('legal_position')

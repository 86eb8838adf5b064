"""security hardening (issue 14): verified emails, server-side sessions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 07:50:00
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

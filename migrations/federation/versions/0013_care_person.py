"""the person receiving care (issue 12): accounts that may reach a co-op's care page

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 07:50:00
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

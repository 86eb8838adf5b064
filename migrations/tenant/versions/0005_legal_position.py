"""the co-op's legal position and rules as data (issue 10): engagement, checks, rota reg 41/42, officers and CIW tasks

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 07:50:00
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

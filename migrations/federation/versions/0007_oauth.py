"""OAuth2 clients and tokens (issue 6; being built)

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
    pass


def downgrade() -> None:
    pass

"""lending: pool consent, guest assignments, commitments (issue 5; being built)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 13:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

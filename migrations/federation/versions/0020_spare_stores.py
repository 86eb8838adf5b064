"""spare co-op stores: the warm pool provisioning claims from (issue 16)

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "spare_stores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schema_version", sa.String(length=64), nullable=True),
        sa.Column("failure", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spare_stores")),
        schema="federation",
        sqlite_autoincrement=True,  # ids are never reused: a spare's file is named by its id
    )
    op.create_index(op.f("ix_spare_stores_schema_version"), "spare_stores", ["schema_version"],
                    unique=False, schema="federation")


def downgrade() -> None:
    op.drop_index(op.f("ix_spare_stores_schema_version"), table_name="spare_stores",
                  schema="federation")
    op.drop_table("spare_stores", schema="federation")

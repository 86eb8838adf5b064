"""A co-op provisioned between ``coopfed migrate`` and a worker's restart is not left behind.

The worker below starts, then a new tenant migration is deployed and ``coopfed migrate``
runs (in its own process, as in an upgrade), and only then is a co-op requested: the
old worker must provision it at the new head, with the new table.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from core.db import db
from tenants.context import store
from tenants.migrate import head
from tenants.registry.models import Coop
from tenants.store import TenantRef
from tests.faults.harness import ROOT
from tests.faults.helpers import coop_state
from tests.fixtures.factories import create_account, unique

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.redis]

PROBE = '''"""fault suite: a migration deployed while a worker runs

Revision ID: f4u1t
Revises: {down}
"""

from alembic import op
import sqlalchemy as sa

revision = 'f4u1t'
down_revision = '{down}'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fault_probe', sa.Column('id', sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table('fault_probe')
'''


def rig_settings(folder: Path) -> dict:
    """This module's co-ops follow a copy of the tenant tree that the test may extend."""
    copy = folder / "tenant-migrations"
    shutil.copytree(ROOT / "migrations" / "tenant", copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return {"TENANT_MIGRATIONS_PATH": str(copy)}


def test_a_worker_started_before_a_migration_provisions_at_the_new_head(fault_rig):
    rig = fault_rig
    path = Path(rig.app.config["TENANT_MIGRATIONS_PATH"])
    old_head = head(str(path))
    worker = rig.worker()
    rig.eventually(lambda: "Listening on" in rig.procs.log_tail(), what="the worker started")
    (path / "versions" / "9999_fault_probe.py").write_text(PROBE.format(down=old_head))
    migrated = rig.procs.run("migrate")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    admin = create_account(rig.app)
    with rig.app.app_context():
        from federation.coops.service import check_create_coop

        coop_id = check_create_coop({"name": "Cwmni Newydd", "slug": unique("newydd"),
                                     "type": "worker", "la": "W06000018",
                                     "admin_email": admin.email}).coop.id
        db.session.commit()
    rig.eventually(lambda: coop_state(rig.app, coop_id) == "active", what="provisioned")
    assert worker.poll() is None  # the same, never restarted, worker did it
    with rig.app.app_context():
        coop = db.session.scalar(select(Coop).where(Coop.id == coop_id))
        assert coop.schema_version == "f4u1t"
        tenant_store = store()
        with tenant_store.owner_connection(TenantRef(coop.id, coop.slug)) as conn:
            schema = None if tenant_store.kind == "sqlite" else tenant_store.schema(
                TenantRef(coop.id, coop.slug))
            assert "fault_probe" in inspect(conn).get_table_names(schema=schema)

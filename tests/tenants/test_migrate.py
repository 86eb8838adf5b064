"""migrate-all: federation first, then every co-op in parallel; one broken co-op is isolated."""

from __future__ import annotations

import shutil
import textwrap
import threading
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, event, inspect, select, text
from sqlalchemy.schema import BLANK_SCHEMA

from core.audit import AuditEvent
from core.db import db
from services.jobs.runner import run_job
from tenants import migrate, provisioning
from tenants.context import store
from tenants.models import metadata as tenant_metadata
from tenants.registry.models import Coop, CoopState, SpareStore
from tenants.store import TenantRef
from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD, create_coop, drain_jobs


def _tree_with_new_column(tmp_path, app) -> str:
    """A copy of the tenant tree with one more revision that adds settings.note."""
    path = tmp_path / "tenant"
    shutil.copytree(app.config["TENANT_MIGRATIONS_PATH"], path,
                    ignore=shutil.ignore_patterns("__pycache__"))
    head = migrate.head(app.config["TENANT_MIGRATIONS_PATH"])
    (path / "versions" / "9001_note.py").write_text(textwrap.dedent(f'''
        """add settings.note"""
        from alembic import op
        import sqlalchemy as sa

        revision = "9001"
        down_revision = {head!r}

        def upgrade():
            op.add_column("settings", sa.Column("note", sa.String(50)))

        def downgrade():
            op.drop_column("settings", "note")
        '''))
    return str(path)


def _break(app, coop) -> None:
    """Add the new column by hand, so the migration fails in this co-op only."""
    with app.app_context():
        tenant_store = store()
        ref = TenantRef(coop.id, coop.slug)
        with tenant_store.owner_connection(ref) as conn:
            conn.exec_driver_sql("ALTER TABLE settings ADD COLUMN note VARCHAR(50)")


def _columns(app, coop) -> set[str]:
    with app.app_context():
        with store().owner_connection(TenantRef(coop.id, coop.slug)) as conn:
            return {c["name"] for c in inspect(conn).get_columns("settings")}


def test_one_broken_coop_goes_into_maintenance_and_the_rest_upgrade(isolated_app, tmp_path):
    app = isolated_app()
    coops = [create_coop(app, coop_type=t)[0]
             for t in ("worker", "user_led", "dp_pool", "community", "foster")]
    broken, broken_admin = create_coop(app, coop_type="multi_stakeholder")
    _break(app, broken)
    app.config["TENANT_MIGRATIONS_PATH"] = _tree_with_new_column(tmp_path, app)

    result = app.test_cli_runner().invoke(args=["migrate", "--workers", "2"])

    assert result.exit_code == 3, result.output
    assert f"FAILED {broken.slug}" in result.output
    with app.app_context():
        rows = {c.slug: c for c in db.session.scalars(select(Coop))}
    for coop in coops:
        assert rows[coop.slug].schema_version == "9001"
        assert rows[coop.slug].state == CoopState.ACTIVE
        assert "note" in _columns(app, coop)
    assert rows[broken.slug].state == CoopState.MAINTENANCE
    assert rows[broken.slug].schema_version != "9001"

    client = app.test_client()
    sign_in(client, broken_admin.email, PASSWORD)
    response = client.get(f"/c/{broken.slug}/")
    assert response.status_code == 503
    assert "being updated" in response.get_data(as_text=True)

    # Once the cause is fixed, the next pass upgrades it and it serves again.
    with app.app_context():
        with store().owner_connection(TenantRef(broken.id, broken.slug)) as conn:
            conn.exec_driver_sql("ALTER TABLE settings DROP COLUMN note")
    again = app.test_cli_runner().invoke(args=["migrate"])
    assert again.exit_code == 0, again.output
    assert client.get(f"/c/{broken.slug}/").status_code == 200


def test_a_coop_behind_the_code_answers_503_not_stale_data(isolated_app, tmp_path):
    app = isolated_app()
    coop, admin = create_coop(app)
    client = app.test_client()
    sign_in(client, admin.email, PASSWORD)
    assert client.get(f"/c/{coop.slug}/").status_code == 200
    app.config["TENANT_MIGRATIONS_PATH"] = _tree_with_new_column(tmp_path, app)
    response = client.get(f"/c/{coop.slug}/")
    assert response.status_code == 503
    assert response.headers["Retry-After"]


def test_a_pass_with_nothing_to_do_costs_one_query(isolated_app):
    app = isolated_app()
    for _ in range(3):
        create_coop(app)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        report = migrate.migrate_all(app, federation=False)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert report.ok and report.upgraded == []
    assert len(statements) == 1, statements


def _federation_only(name, type_, _parent) -> bool:
    if type_ == "schema":
        return name == "federation"
    return not (type_ == "table" and name == "alembic_version")


@pytest.mark.parametrize("tree", ["tenant", "federation"])
def test_migrations_at_head_match_the_models(app, tree):
    """New co-ops are created from the models, so the migrations must build the same tables."""
    from federation.models import metadata as federation_metadata

    with app.app_context():
        tenant_store = store()
        if tree == "tenant":
            coop, _ = create_coop(app, provision=False)
            ref = TenantRef(coop.id, coop.slug)
            tenant_store.create_store(ref)
            with tenant_store.owner_connection(ref) as conn:
                schema = None if tenant_store.kind == "sqlite" else tenant_store.schema(ref)
                migrate.upgrade_connection(conn, app.config["TENANT_MIGRATIONS_PATH"], schema)
            with tenant_store.owner_connection(ref) as conn:
                context = MigrationContext.configure(conn)
                diff = compare_metadata(context, tenant_metadata)
            tenant_store.drop_store(ref)
        else:
            target = federation_metadata
            opts = {"include_schemas": True, "include_name": _federation_only}
            if tenant_store.kind == "sqlite":
                # The federation has a file of its own there, with no schema.
                target, opts = MetaData(), {}
                for table in federation_metadata.tables.values():
                    table.to_metadata(target, schema=None,
                                      referred_schema_fn=lambda *_args: BLANK_SCHEMA)
            with db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts=opts)
                diff = compare_metadata(context, target)
    assert diff == []


def test_suspended_coop_is_migrated_but_not_served(isolated_app):
    app = isolated_app()
    coop, admin = create_coop(app)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["coop", "suspend", coop.slug]).exit_code == 0
    listing = runner.invoke(args=["coop", "list"]).output
    assert f"{coop.slug}" in listing and "suspended" in listing
    client = app.test_client()
    sign_in(client, admin.email, PASSWORD)
    assert client.get(f"/c/{coop.slug}/").status_code == 503
    assert runner.invoke(args=["coop", "reactivate", coop.slug]).exit_code == 0
    assert client.get(f"/c/{coop.slug}/").status_code == 200


def _state(app, coop) -> tuple[str, str | None]:
    with app.app_context():
        row = db.session.get(Coop, coop.id)
        state = (row.state, row.schema_version)
        db.session.rollback()
    return state


def test_a_coop_whose_store_is_gone_goes_into_maintenance_and_no_empty_one_is_made(
        isolated_app, tmp_path):
    app = isolated_app()
    kept, _ = create_coop(app)
    gone, _ = create_coop(app, coop_type="community")
    gone_ref = TenantRef(gone.id, gone.slug)
    with app.app_context():
        store().drop_store(gone_ref)
    app.config["TENANT_MIGRATIONS_PATH"] = _tree_with_new_column(tmp_path, app)

    report = migrate.migrate_all(app, workers=1, federation=False)

    assert report.upgraded == [kept.slug]
    assert list(report.failed) == [gone.slug]
    assert _state(app, kept) == (CoopState.ACTIVE, "9001")
    assert _state(app, gone)[0] == CoopState.MAINTENANCE
    with app.app_context():
        assert not store().store_exists(gone_ref)  # not an empty store that would serve
        audited = db.session.scalars(select(AuditEvent.coop_id).where(
            AuditEvent.action == "coop.migration_failed")).all()
        db.session.rollback()
    assert audited == [gone.id]


def test_a_locked_coop_gives_up_after_the_lock_timeout_and_the_rest_upgrade(
        isolated_app, tmp_path):
    app = isolated_app(MIGRATE_LOCK_TIMEOUT_MS=300)
    free, _ = create_coop(app)
    locked, _ = create_coop(app, coop_type="community")
    app.config["TENANT_MIGRATIONS_PATH"] = _tree_with_new_column(tmp_path, app)

    with app.app_context():
        tenant_store = store()
        # On SQLite the owner connection's transaction holds the file's write lock.
        with tenant_store.owner_connection(TenantRef(locked.id, locked.slug)) as holder:
            if tenant_store.kind == "postgresql":
                holder.exec_driver_sql("LOCK TABLE settings IN ACCESS EXCLUSIVE MODE")
            report = migrate.migrate_all(app, workers=1, federation=False)

    assert report.upgraded == [free.slug]
    assert "lock" in report.failed[locked.slug]
    assert _state(app, locked)[0] == CoopState.MAINTENANCE
    # Nothing holds it now: the next pass upgrades it and it serves again.
    again = migrate.migrate_all(app, workers=1, federation=False)
    assert again.upgraded == [locked.slug] and again.ok
    assert _state(app, locked) == (CoopState.ACTIVE, "9001")


def test_the_migrate_command_names_a_spare_store_it_set_aside(isolated_app, tmp_path):
    app = isolated_app(STORE_POOL_SIZE=2)
    for coop_type in ("worker", "community"):
        create_coop(app, coop_type=coop_type)
    with app.app_context():
        run_job(provisioning.REFILL_JOB)
    drain_jobs(app)
    with app.app_context():
        spares = sorted(db.session.scalars(select(SpareStore.id)))
        db.session.rollback()
    assert len(spares) == 2
    broken = spares[-1]
    with app.app_context():
        with store().spare_connection(broken) as conn:
            conn.exec_driver_sql("ALTER TABLE settings ADD COLUMN note VARCHAR(50)")
    app.config["TENANT_MIGRATIONS_PATH"] = _tree_with_new_column(tmp_path, app)

    result = app.test_cli_runner().invoke(args=["migrate", "--workers", "1"])

    # A spare holds no one's data: it is set aside, and the exit status stays 0.
    assert result.exit_code == 0, result.output
    assert "2 co-ops upgraded" in result.output
    assert "1 spare stores upgraded" in result.output
    failed = [line for line in result.output.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1
    assert failed[0].startswith(f"FAILED spare store {broken}: ")
    assert "note" in failed[0]


def _wait_until_blocked_by(tenant_store, holder_pid: int) -> None:
    """Return once another session waits for a lock that ``holder_pid`` holds (PostgreSQL)."""
    deadline = time.monotonic() + 60
    with tenant_store.owner_engine.connect() as conn:
        while time.monotonic() < deadline:
            blocked = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"),
                {"pid": holder_pid}).scalar()
            conn.rollback()
            if blocked:
                return
            time.sleep(0.05)
    raise AssertionError("nothing waited for the other pass's locks")


def test_a_second_migrate_all_waits_for_the_first_instead_of_failing_the_coop(
        isolated_app, tmp_path):
    app = isolated_app(MIGRATE_LOCK_TIMEOUT_MS=60000)
    first, _ = create_coop(app)
    second, _ = create_coop(app, coop_type="community")
    tree = _tree_with_new_column(tmp_path, app)
    app.config["TENANT_MIGRATIONS_PATH"] = tree
    passes: list = []
    with app.app_context():
        tenant_store = store()
        if tenant_store.kind != "postgresql":
            pytest.skip("SQLite: BEGIN IMMEDIATE already serialises the two passes")
        ref = TenantRef(first.id, first.slug)
        with tenant_store.owner_connection(ref) as other:  # another pass, half way through
            migrate.upgrade_connection(other, tree, tenant_store.schema(ref))
            other_pid = other.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            thread = threading.Thread(target=lambda: passes.append(
                migrate.migrate_all(app, workers=1, federation=False)))
            thread.start()
            _wait_until_blocked_by(tenant_store, other_pid)
        thread.join()

    report = passes[0]
    # It read the version the other pass committed: nothing left to do there, no failure.
    assert report.ok, report.failed
    assert sorted(report.upgraded) == sorted([first.slug, second.slug])
    assert _state(app, first) == (CoopState.ACTIVE, "9001")

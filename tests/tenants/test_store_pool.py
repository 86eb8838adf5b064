"""The warm pool: spare stores built ahead of time, claimed by provisioning (issue 16).

Each test builds an app of its own with the pool on (the shared test app runs with the
pool off, ENV=test's default), on whichever store the run uses.
"""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError

from core.config import ConfigError, load_settings
from core.db import db
from services.jobs.runner import run_job
from tenants import migrate, provisioning
from tenants.context import store
from tenants.members.defaults import DEFAULT_CLASSES
from tenants.registry.models import Coop, CoopState, CoopType, SpareStore
from tenants.store import TenantRef
from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD, class_codes, create_coop, drain_jobs
from tests.tenants.test_migrate import _tree_with_new_column


def _spares(app) -> dict[int, str | None]:
    """Spare id → the revision it is stamped at."""
    with app.app_context():
        rows = db.session.execute(select(SpareStore.id, SpareStore.schema_version)).all()
        db.session.rollback()
    return dict(rows)


def _refill(app) -> dict[str, int]:
    """One run of the refill job; what it did."""
    with app.app_context():
        return run_job(provisioning.REFILL_JOB)


def _fill(app) -> None:
    """Run the refill job, and the runs it queues, until the pool is full."""
    _refill(app)
    drain_jobs(app)


def _spare_identity(app, spare_id: int) -> int:
    """The spare's schema oid (PostgreSQL) or file inode (SQLite): what a rename keeps."""
    with app.app_context():
        tenant_store = store()
        if tenant_store.kind == "sqlite":
            return os.stat(tenant_store.spare_path(spare_id)).st_ino
        with tenant_store.owner_engine.connect() as conn:
            return conn.execute(text("SELECT oid FROM pg_namespace WHERE nspname = :s"),
                                {"s": tenant_store.spare_schema(spare_id)}).scalar_one()


def _coop_identity(app, coop) -> int:
    with app.app_context():
        tenant_store = store()
        ref = TenantRef(coop.id, coop.slug)
        if tenant_store.kind == "sqlite":
            return os.stat(tenant_store.path(ref)).st_ino
        with tenant_store.owner_engine.connect() as conn:
            return conn.execute(text("SELECT oid FROM pg_namespace WHERE nspname = :s"),
                                {"s": tenant_store.schema(ref)}).scalar_one()


def _spare_store_exists(app, spare_id: int) -> bool:
    with app.app_context():
        tenant_store = store()
        if tenant_store.kind == "sqlite":
            return tenant_store.spare_path(spare_id).exists()
        with tenant_store.owner_engine.connect() as conn:
            schema = conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"),
                                  {"s": tenant_store.spare_schema(spare_id)}).first()
            role = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                                {"r": tenant_store.spare_role(spare_id)}).first()
            return bool(schema or role)


def test_the_pool_is_small_by_default_off_in_tests_and_refuses_a_negative_size(tmp_path):
    for env, size in (("development", 3), ("production", 3), ("test", 0)):
        config = {"ENV": env, "DATABASE_URL": "postgresql://x@y/z", "SECRET_KEY": "s",
                  "PUBLIC_URL": "https://coopfed.example"}
        load_settings(config, str(tmp_path))
        assert config["STORE_POOL_SIZE"] == size, env
    with pytest.raises(ConfigError, match="COOPFED_STORE_POOL_SIZE"):
        load_settings({"STORE_POOL_SIZE": "-1"}, str(tmp_path))


def test_with_the_pool_off_no_spare_is_ever_built(isolated_app):
    app = isolated_app(STORE_POOL_SIZE=0)
    create_coop(app)
    create_coop(app, coop_type="community")
    assert _refill(app) == {"built": 0, "dropped": 0}
    assert _spares(app) == {}


def test_claimed_spares_become_working_isolated_coops_at_head(isolated_app):
    app = isolated_app(STORE_POOL_SIZE=2)
    _fill(app)
    head = migrate.disk_head(app.config["TENANT_MIGRATIONS_PATH"])
    before = _spares(app)
    assert set(before.values()) == {head}
    identities = {_spare_identity(app, spare_id) for spare_id in before}

    (worker, worker_admin), (dp, _) = (create_coop(app, coop_type="worker"),
                                       create_coop(app, coop_type="dp_pool"))

    # Each co-op's store is one of the spares, renamed; the refill built two new ones.
    assert {_coop_identity(app, worker), _coop_identity(app, dp)} == identities
    after = _spares(app)
    assert len(after) == 2 and not set(after) & set(before)
    for spare_id in before:
        assert not _spare_store_exists(app, spare_id)
    with app.app_context():
        rows = {c.slug: c for c in db.session.scalars(select(Coop))}
    for coop in (worker, dp):
        assert rows[coop.slug].state == CoopState.ACTIVE
        assert rows[coop.slug].schema_version == head
    assert class_codes(app, worker) == sorted(c.code for c in DEFAULT_CLASSES[CoopType.WORKER])
    assert class_codes(app, dp) == sorted(c.code for c in DEFAULT_CLASSES[CoopType.DP_POOL])

    client = app.test_client()
    sign_in(client, worker_admin.email, PASSWORD)
    assert client.get(f"/c/{worker.slug}/").status_code == 200
    assert client.get(f"/c/{dp.slug}/").status_code == 404

    with app.app_context():
        tenant_store = store()
        if tenant_store.kind == "sqlite":
            assert not list(tenant_store.spare_path(0).parent.glob("*-wal"))
            return
        # The claimed schema's role is the co-op's own, and reaches no other co-op.
        session = tenant_store.session(TenantRef(worker.id, worker.slug))
        try:
            assert session.execute(text("SELECT count(*) FROM member_classes")).scalar_one()
            other = tenant_store.schema(TenantRef(dp.id, dp.slug))
            with pytest.raises(DBAPIError, match="permission denied"):
                session.execute(text(f"SELECT * FROM {other}.member_classes"))
        finally:
            session.close()
        spare_schema = tenant_store.spare_schema(next(iter(after)))
        session = tenant_store.session(TenantRef(worker.id, worker.slug))
        try:
            with pytest.raises(DBAPIError, match="permission denied"):
                session.execute(text(f"SELECT * FROM {spare_schema}.member_classes"))
        finally:
            session.close()
        with db.engine.connect() as conn, pytest.raises(DBAPIError, match="permission denied"):
            conn.execute(text(f"SELECT * FROM {spare_schema}.member_classes"))


def test_concurrent_claims_never_share_a_spare(isolated_app):
    app = isolated_app(STORE_POOL_SIZE=2)
    _fill(app)
    identities = {_spare_identity(app, spare_id) for spare_id in _spares(app)}
    coops = [create_coop(app, provision=False)[0] for _ in range(3)]
    barrier = threading.Barrier(len(coops))
    claimed: dict[int, bool] = {}
    errors: list[BaseException] = []

    def claim(coop) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                claimed[coop.id] = provisioning.claim_spare(
                    store(), TenantRef(coop.id, coop.slug))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=claim, args=(coop,)) for coop in coops]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    winners = [coop for coop in coops if claimed[coop.id]]
    assert len(winners) == 2  # two spares, three claims: one finds the pool empty
    assert {_coop_identity(app, coop) for coop in winners} == identities
    assert _spares(app) == {}


def test_an_empty_pool_builds_the_store_inline_then_refills(isolated_app):
    app = isolated_app(STORE_POOL_SIZE=2)
    assert _spares(app) == {}
    coop, admin = create_coop(app, coop_type="foster")
    with app.app_context():
        assert db.session.get(Coop, coop.id).state == CoopState.ACTIVE
    assert "foster_carer" in class_codes(app, coop)
    client = app.test_client()
    sign_in(client, admin.email, PASSWORD)
    assert client.get(f"/c/{coop.slug}/").status_code == 200
    # The claim that found nothing asked for a refill, which ran with the queued jobs.
    assert len(_spares(app)) == 2


def test_refill_is_idempotent_and_follows_the_setting(isolated_app):
    app = isolated_app(STORE_POOL_SIZE=3)
    assert _refill(app) == {"built": 1, "dropped": 0}  # one spare a run, then it re-queues
    drain_jobs(app)
    pool = _spares(app)
    assert len(pool) == 3
    assert _refill(app) == {"built": 0, "dropped": 0}
    assert _spares(app) == pool
    app.config["STORE_POOL_SIZE"] = 1
    assert _refill(app) == {"built": 0, "dropped": 2}
    left = _spares(app)
    assert len(left) == 1
    for spare_id in set(pool) - set(left):
        assert not _spare_store_exists(app, spare_id)
    assert _spare_store_exists(app, next(iter(left)))


def test_migrate_all_upgrades_spares_and_sets_a_broken_one_aside(isolated_app, tmp_path):
    app = isolated_app(STORE_POOL_SIZE=2)
    _fill(app)
    good, broken = sorted(_spares(app))
    with app.app_context():
        with store().spare_connection(broken) as conn:
            conn.exec_driver_sql("ALTER TABLE settings ADD COLUMN note VARCHAR(50)")
    app.config["TENANT_MIGRATIONS_PATH"] = _tree_with_new_column(tmp_path, app)

    # Spares behind the scripts on disk are never handed out: the store is built inline.
    early, _ = create_coop(app, provision=False)
    with app.app_context():
        assert provisioning.claim_spare(store(), TenantRef(early.id, early.slug)) is False

    report = migrate.migrate_all(app, workers=1, federation=False)

    assert report.ok and report.spares_upgraded == 1
    assert list(report.spares_failed) == [broken]
    spares = _spares(app)
    assert spares[good] == "9001"
    with app.app_context():
        assert db.session.get(SpareStore, broken).failure
        with store().spare_connection(good) as conn:
            assert "note" in {c["name"] for c in inspect(conn).get_columns("settings")}
        db.session.rollback()

    # The broken spare is never claimed; the refill replaces it.
    coop, _ = create_coop(app, provision=False)
    with app.app_context():
        assert provisioning.claim_spare(store(), TenantRef(coop.id, coop.slug)) is True
        assert provisioning.claim_spare(store(), TenantRef(early.id, early.slug)) is False
    assert set(_spares(app)) == {broken}
    assert _refill(app)["dropped"] == 1
    drain_jobs(app)
    assert not _spare_store_exists(app, broken)
    assert broken not in _spares(app)


def test_a_spare_is_never_seen_as_a_coop(isolated_app):
    app = isolated_app(STORE_POOL_SIZE=2)
    first, admin = create_coop(app)
    second, _ = create_coop(app, coop_type="community")
    _fill(app)
    spare_ids = sorted(_spares(app))
    assert len(spare_ids) == 2
    with app.app_context():
        assert sorted(db.session.scalars(select(Coop.slug))) == sorted(
            [first.slug, second.slug])
        assert db.session.scalar(select(func.count(Coop.id))) == 2
        tenant_store = store()
        if tenant_store.kind == "sqlite":
            assert sorted(p.name for p in tenant_store.root.glob("*.sqlite")) == sorted(
                f"{c.slug}.sqlite" for c in (first, second))
        db.session.rollback()
    client = app.test_client()
    for path in ("/directory", "/directory.csv"):
        page = client.get(path)
        assert page.status_code == 200
        assert "spare" not in page.get_data(as_text=True).lower()
    sign_in(client, admin.email, PASSWORD)
    for spare_id in spare_ids:
        for slug in (f"spare_{spare_id}", f"spare-{spare_id}", str(spare_id)):
            assert client.get(f"/c/{slug}/").status_code == 404

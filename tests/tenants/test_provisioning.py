"""Provisioning: a store, defaults and an admin per co-op; a crash at any step re-runs cleanly."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from core.db import db
from tenants import provisioning
from tenants.context import store
from tenants.members.defaults import DEFAULT_CLASSES
from tenants.members.models import MemberClass
from tenants.registry.models import Coop, CoopState, CoopType, Membership
from tenants.store import TenantRef
from tests.fixtures.factories import class_codes, create_account, create_coop


def test_each_coop_gets_its_own_store_with_defaults_for_its_type(app, two_coops):
    (worker, worker_admin), (dp, _dp_admin) = two_coops
    assert worker.state == dp.state == CoopState.ACTIVE
    assert class_codes(app, worker) == sorted(c.code for c in DEFAULT_CLASSES[CoopType.WORKER])
    assert class_codes(app, dp) == sorted(c.code for c in DEFAULT_CLASSES[CoopType.DP_POOL])
    with app.app_context():
        tenant_store = store()
        assert tenant_store.store_exists(TenantRef(worker.id, worker.slug))
        role = db.session.scalar(select(Membership.role).where(
            Membership.coop_id == worker.id, Membership.account_id == worker_admin.id))
        assert role == "admin"
        if tenant_store.kind == "sqlite":
            assert tenant_store.path(TenantRef(worker.id, worker.slug)) != tenant_store.path(
                TenantRef(dp.id, dp.slug))


def test_foster_carers_are_associates_without_a_vote(app, make_coop):
    foster, _ = make_coop(coop_type="foster")
    other, _ = make_coop(coop_type="community")
    with app.app_context():
        session = store().session(TenantRef(foster.id, foster.slug))
        carer = session.scalar(select(MemberClass).where(MemberClass.code == "foster_carer"))
        session.close()
    assert carer is not None and carer.voting is False
    assert "foster_carer" not in class_codes(app, other)


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing catches it on the way."""


class StepFailed(Exception):
    """An ordinary error inside a step."""


def _snapshot(app) -> dict:
    """Everything provisioning creates, counted, to compare before and after a re-run."""
    with app.app_context():
        tenant_store = store()
        coops = db.session.execute(select(Coop.id, Coop.slug)).all()
        snapshot = {
            "coops": len(coops),
            "memberships": db.session.scalar(select(func.count(Membership.id))),
        }
        if tenant_store.kind == "sqlite":
            snapshot["files"] = sorted(p.name for p in tenant_store.root.glob("*.sqlite"))
            snapshot["expected_files"] = sorted(f"{slug}.sqlite" for _, slug in coops)
        else:
            with tenant_store.owner_engine.connect() as conn:
                snapshot["schemas"] = sorted(conn.execute(text(
                    "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'coop\\_%'")).scalars())
                snapshot["roles"] = sorted(conn.execute(text(
                    "SELECT rolname FROM pg_roles WHERE rolname LIKE :p"),
                    {"p": f"{tenant_store.deployment}\\_coop\\_%"}).scalars())
            snapshot["expected_schemas"] = sorted(f"coop_{i}" for i, _ in coops)
            snapshot["expected_roles"] = sorted(
                f"{tenant_store.deployment}_coop_{i}" for i, _ in coops)
        return snapshot


@pytest.mark.parametrize("crash", [Crash, StepFailed], ids=["process-died", "error"])
@pytest.mark.parametrize("step_index", range(len(provisioning.STEPS)),
                         ids=[s.__name__ for s in provisioning.STEPS])
def test_a_crash_after_any_step_then_a_rerun_leaves_exactly_one_active_coop(
        isolated_app, monkeypatch, step_index, crash):
    app = isolated_app()
    create_coop(app, coop_type="user_led", la="W06000011")  # a bystander co-op
    admin = create_account(app)
    coop, _ = create_coop(app, coop_type="multi_stakeholder", admin=admin, provision=False)
    real_steps = provisioning.STEPS
    failing = real_steps[step_index]

    def crash_after(tenant_store, ref):
        failing(tenant_store, ref)
        raise crash(f"injected after {failing.__name__}")

    monkeypatch.setattr(provisioning, "STEPS", tuple(
        crash_after if s is failing else s for s in real_steps))
    with app.app_context(), pytest.raises(crash):
        provisioning.provision(coop.id)
    monkeypatch.setattr(provisioning, "STEPS", real_steps)
    with app.app_context():
        db.session.remove()
        assert provisioning.provision(coop.id) == CoopState.ACTIVE
        assert provisioning.provision(coop.id) == CoopState.ACTIVE  # and again: a no-op
    after = _snapshot(app)
    assert after["coops"] == 2
    assert after["memberships"] == 2
    if "files" in after:
        assert after["files"] == after["expected_files"]
    else:
        assert after["schemas"] == after["expected_schemas"]
        assert after["roles"] == after["expected_roles"]
    assert class_codes(app, coop) == sorted(
        c.code for c in DEFAULT_CLASSES[CoopType.MULTI_STAKEHOLDER])
    with app.app_context():
        fresh = db.session.get(Coop, coop.id)
        assert fresh.state == CoopState.ACTIVE and fresh.schema_version is not None


def test_discarding_a_failed_coop_leaves_no_orphan_store(isolated_app):
    app = isolated_app()
    coop, _ = create_coop(app, provision=False)
    with app.app_context():
        store().create_store(TenantRef(coop.id, coop.slug))
        provisioning.discard(coop.id)
    snapshot = _snapshot(app)
    assert snapshot["coops"] == 0
    assert snapshot.get("files", []) == [] and snapshot.get("schemas", []) == []
    assert snapshot.get("roles", []) == []

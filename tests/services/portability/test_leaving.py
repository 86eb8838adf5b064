"""Leaving: the co-op gets its export, a grace period, then its store is dropped and its
federation records reduced to what other co-ops' ledgers need, with an audit row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from core.audit import AuditEvent
from core.db import db
from services.jobs.runner import run_job
from services.lending.models import LedgerEntry, LendingAgreement
from services.portability.models import CoopLeaving, PortabilityJob
from tenants.context import store
from tenants.registry.models import Coop, Membership
from tenants.store import TenantRef
from tests.fixtures.factories import add_member, in_coop
from tests.services.portability.helpers import lend_hours, seed_distinct


def _sweep(app) -> int:
    with app.app_context():
        return run_job("services.portability.tasks:sweep_leavings")


def test_a_coop_leaves_after_its_grace_period(app, two_coops, make_account, run_jobs):
    (leaver, admin), (neighbour, neighbour_admin) = two_coops
    carer = make_account()
    add_member(app, leaver, carer, "worker")
    for coop in (leaver, neighbour):
        with in_coop(app, coop) as session:
            seed_distinct(session)
    agreement_id = lend_hours(app, leaver, neighbour, carer.id)
    runner = app.test_cli_runner()
    started = runner.invoke(args=["coop", "leave", leaver.slug])
    assert started.exit_code == 0, started.output
    run_jobs()
    with app.app_context():
        leaving = db.session.scalar(select(CoopLeaving).where(
            CoopLeaving.coop_id == leaver.id))
        assert leaving.grace_days == 30 and leaving.state == "grace"
        export = db.session.get(PortabilityJob, leaving.export_job_id)
        assert export.state == "ready"  # the co-op gets its export
        assert export.expires_at.replace(tzinfo=UTC) >= leaving.leaves_at.replace(tzinfo=UTC)
    # Within the grace period the sweep does nothing.
    assert _sweep(app) == 0
    with app.app_context():
        assert store().store_exists(TenantRef(leaver.id, leaver.slug))
    with app.app_context():
        db.session.execute(update(CoopLeaving).where(CoopLeaving.id == leaving.id)
                           .values(leaves_at=datetime.now(UTC) - timedelta(minutes=1)))
        db.session.commit()
    assert _sweep(app) == 1
    assert _sweep(app) == 0  # idempotent
    with app.app_context():
        coop = db.session.get(Coop, leaver.id)
        assert coop.state == "archived" and not coop.shares_statistics
        assert not store().store_exists(TenantRef(leaver.id, leaver.slug))
        assert db.session.scalar(select(func.count(Membership.id)).where(
            Membership.coop_id == leaver.id)) == 0
        # What the neighbour's ledger needs is kept, without the worker's account.
        entry = db.session.scalar(select(LedgerEntry).where(
            LedgerEntry.agreement_id == agreement_id))
        assert entry is not None and entry.minutes == 120
        assert db.session.get(LendingAgreement, agreement_id).worker_account_id is None
        left = db.session.scalar(select(AuditEvent).where(
            AuditEvent.coop_id == leaver.id, AuditEvent.action == "coop.left"))
        assert left is not None and left.detail["removed"]["memberships"] >= 1
    refused = runner.invoke(args=["coop", "export", leaver.slug, "--out", "/dev/null"])
    assert refused.exit_code == 2 and "no store" in refused.output
    with app.app_context():
        assert not store().store_exists(TenantRef(leaver.id, leaver.slug))
        # The neighbour is untouched.
        assert db.session.get(Coop, neighbour.id).state == "active"
        assert store().store_exists(TenantRef(neighbour.id, neighbour.slug))
        assert db.session.scalar(select(func.count(Membership.id)).where(
            Membership.coop_id == neighbour.id)) >= 1


def test_leaving_is_refused_twice_and_can_be_cancelled(app, two_coops):
    (coop, _admin), _ = two_coops
    runner = app.test_cli_runner()
    assert runner.invoke(args=["coop", "leave", coop.slug, "--grace-days", "5"]).exit_code == 0
    again = runner.invoke(args=["coop", "leave", coop.slug])
    assert again.exit_code == 2 and "already leaving" in again.output
    bad = runner.invoke(args=["coop", "leave", "no-such-coop"])
    assert bad.exit_code == 2 and "no such co-op" in bad.output
    assert runner.invoke(args=["coop", "leave", coop.slug, "--cancel"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(CoopLeaving.state).where(
            CoopLeaving.coop_id == coop.id)) == "cancelled"

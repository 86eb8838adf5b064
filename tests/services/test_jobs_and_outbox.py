"""Jobs run after the commit only, take ids only, and the outbox delivers each event once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from core.audit import AuditEvent
from core.db import db
from core.jobs import enqueue_after_commit
from services.outbox import service as relay_service
from services.outbox.models import InboxEvent
from tenants.context import store
from tenants.outbox import service as outbox
from tenants.outbox.models import OutboxEvent
from tenants.registry.models import Coop, CoopState
from tenants.store import TenantRef
from tests.fixtures.factories import create_coop
from tests.services import jobs_for_tests  # noqa: F401 - registers the "test.event" handler

JOB = "tests.services.jobs_for_tests:mark_coop"


def _marked(app, coop_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "test.marked", AuditEvent.coop_id == coop_id))


def test_a_job_runs_only_after_its_transaction_commits(app, run_jobs, two_coops):
    (a, _), (b, _) = two_coops
    with app.app_context():
        enqueue_after_commit(db.session, JOB, a.id)
        db.session.rollback()
        enqueue_after_commit(db.session, JOB, b.id)
        db.session.commit()
    run_jobs()
    assert _marked(app, a.id) == 0
    assert _marked(app, b.id) == 1


def test_jobs_take_ids_only(ctx):
    with pytest.raises(TypeError, match="ids only"):
        enqueue_after_commit(db.session, JOB, {"name": "A Person"})


def test_queues_carry_the_deployment_prefix(app):
    backend = app.extensions["coopfed.jobs"]
    if not hasattr(backend, "queue_name"):
        pytest.skip("in-process jobs have no queues (set COOPFED_REDIS_URL)")
    assert backend.queue_name("provisioning") == f"{app.config['DEPLOYMENT']}-provisioning"


def _emit(app, coop, count: int) -> None:
    with app.app_context():
        session = store().session(TenantRef(coop.id, coop.slug))
        for n in range(count):
            outbox.emit(session, "test.event", n=n)
        session.commit()
        session.close()


def _inbox(app, coop_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(InboxEvent.id)).where(
            InboxEvent.coop_id == coop_id, InboxEvent.type == "test.event"))


def test_outbox_events_are_delivered_once_even_when_relayed_twice(app, run_jobs, two_coops):
    (a, _), (b, _) = two_coops
    _emit(app, a, 3)
    run_jobs()
    with app.app_context():
        assert relay_service.relay(a.id) == 0  # nothing new
    assert _inbox(app, a.id) == 3
    assert _inbox(app, b.id) == 0


def test_a_relay_that_died_before_marking_delivery_does_not_apply_twice(app, two_coops):
    (a, _), _ = two_coops
    with app.app_context():
        session = store().session(TenantRef(a.id, a.slug))
        outbox.emit(session, "test.event", n=1)
        session.info.pop("coopfed.pending_jobs")  # as if Redis had lost the relay job
        session.commit()
        session.close()
        assert relay_service.relay(a.id) == 1
        # Undo the delivery mark, as if the process died between the two commits.
        session = store().session(TenantRef(a.id, a.slug))
        session.execute(update(OutboxEvent).values(delivered_at=None))
        session.commit()
        session.close()
        assert relay_service.relay(a.id) == 0
    assert _inbox(app, a.id) >= 1


def _pending(app, coop, type_: str) -> int:
    with app.app_context():
        session = store().session(TenantRef(coop.id, coop.slug))
        try:
            return session.scalar(select(func.count(OutboxEvent.id)).where(
                OutboxEvent.type == type_, OutboxEvent.delivered_at.is_(None)))
        finally:
            session.close()


def test_an_event_no_handler_knows_stays_pending_and_is_never_lost(app, run_jobs, two_coops):
    (a, _), (b, _) = two_coops
    with app.app_context():
        session = store().session(TenantRef(a.id, a.slug))
        outbox.emit(session, "test.unknown_kind", n=1)
        outbox.emit(session, "test.event", n=2)  # a known one behind it still gets through
        session.commit()
        session.close()
    run_jobs()
    with app.app_context():
        assert relay_service.relay(a.id) == 0  # nothing it can apply; no error either
        unknown_in_inbox = db.session.scalar(select(func.count(InboxEvent.id)).where(
            InboxEvent.coop_id == a.id, InboxEvent.type == "test.unknown_kind"))
    assert _pending(app, a, "test.unknown_kind") == 1
    assert unknown_in_inbox == 0
    assert _pending(app, a, "test.event") == 0
    assert _pending(app, b, "test.unknown_kind") == 0
    # The release that brings the handler delivers it, once.
    from services.outbox.handlers import HANDLERS

    HANDLERS["test.unknown_kind"] = lambda coop_id, payload: None
    try:
        with app.app_context():
            assert relay_service.relay(a.id) == 1
            assert relay_service.relay(a.id) == 0
    finally:
        del HANDLERS["test.unknown_kind"]
    assert _pending(app, a, "test.unknown_kind") == 0


def test_events_no_handler_knows_never_hold_back_the_ones_behind_them(
        app, run_jobs, two_coops, monkeypatch):
    """A relay reads a batch of the oldest pending events. Events no handler knows stay
    pending for ever (till a release brings their handler): a batch's worth of them must
    not stop every later event from being delivered."""
    (a, _), _ = two_coops
    monkeypatch.setattr(relay_service, "RELAY_BATCH", 2)
    with app.app_context():
        session = store().session(TenantRef(a.id, a.slug))
        for n in range(3):
            outbox.emit(session, "test.unknown_kind", n=n)
        outbox.emit(session, "test.event", n=9)
        session.commit()
        session.close()
    run_jobs()  # the relay the commit queued
    with app.app_context():
        relay_service.relay(a.id)
    assert _pending(app, a, "test.event") == 0
    assert _pending(app, a, "test.unknown_kind") == 3


def test_the_sweeper_finishes_a_provisioning_whose_job_was_lost(app, run_jobs):
    coop, _ = create_coop(app, provision=False)
    bystander, _ = create_coop(app)
    with app.app_context():
        db.session.execute(update(Coop).where(Coop.id == coop.id).values(
            updated_at=datetime.now(UTC) - timedelta(hours=1)))
        db.session.commit()
        found = relay_service.sweep()
    assert found["provisioning"] >= 1
    run_jobs()
    with app.app_context():
        assert db.session.get(Coop, coop.id).state == CoopState.ACTIVE
        assert db.session.get(Coop, bystander.id).state == CoopState.ACTIVE


def test_the_sweeper_emails_an_invitation_whose_mail_job_was_lost_once(
        app, run_jobs, two_coops, monkeypatch):
    from services.mail.models import SentMail
    from tenants.members import service as members
    from tenants.members.models import Invitation

    (a, _), (b, _) = two_coops
    with app.app_context():
        session = store().session(TenantRef(a.id, a.slug))
        member = members.create_member(session, {
            "display_name": "Eleri Jones", "email": "eleri.sweep@example.org",
            "joined_on": date(2025, 3, 1), "classes": ["worker"]}, actor_account_id=None)
        invitation_id = members.invite_member(session, member.id, actor_account_id=None).id
        session.commit()
        session.close()
    backend = app.extensions["coopfed.jobs"]
    original = backend.dispatch
    # The relay runs, but the mail job it queues is lost (a flushed Redis).
    monkeypatch.setattr(backend, "dispatch", lambda requests: original(
        [r for r in requests if not r.func.startswith("services.mail")]))
    run_jobs()
    run_jobs()
    monkeypatch.setattr(backend, "dispatch", original)
    monkeypatch.setitem(app.config, "SEND_GRACE_SECONDS", 0)
    with app.app_context():
        assert relay_service.sweep()["invitations"] >= 1
    run_jobs()
    with app.app_context():
        relay_service.sweep()  # a second sweep finds nothing more to send
    run_jobs()
    with app.app_context():
        session = store().session(TenantRef(a.id, a.slug))
        assert session.get(Invitation, invitation_id).sent_at is not None
        session.close()
        key = f"invitation-{a.id}-{invitation_id}"
        sent = db.session.get(SentMail, key)
        assert sent.status == "sent" and sent.attempts == 1


def test_a_release_left_running_by_a_dead_job_does_not_block_the_next(isolated_app):
    from core.errors import Conflict
    from services.jobs import leases
    from services.stats import publish
    from services.stats.models import StatsRelease

    app = isolated_app()  # its own releases: the run's app keeps its history
    with app.app_context():
        stuck = StatsRelease(version=1, status="running", progress=30,
                             started_at=datetime.now(UTC) - timedelta(hours=1))
        db.session.add(stuck)
        db.session.flush()
        key = publish.lease_key(stuck.id)
        db.session.commit()
        assert leases.take(key, 60, "a-live-job")  # while its job lives, it blocks
        with pytest.raises(Conflict):
            publish.request_release()
        db.session.rollback()
        leases.drop(key, "a-live-job")  # the job died: its lease is gone
        fresh = publish.request_release()
        db.session.commit()
        db.session.refresh(stuck)
        assert stuck.status == "failed" and fresh.version == 2
    app.extensions["coopfed.jobs"].drain()
    with app.app_context():
        assert db.session.get(StatsRelease, fresh.id).status == "published"

"""Races that used to duplicate work: two runs of the same job at the same moment.

Each test starts two threads on a barrier so that both jobs read before either writes,
as two workers taking a retried and a swept copy of one job would.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from core.db import db
from federation.onboarding import apply
from federation.onboarding import service as onboarding
from federation.onboarding.models import Draft
from federation.onboarding.service import step_answers
from services.jobs.runner import run_job
from tenants.context import bind_tenant, finish_tenant_session, store, tenant_session
from tenants.members.models import Invitation, Member
from tenants.store import TenantRef
from tests.faults.harness import eventually
from tests.faults.helpers import invite, link_works
from tests.federation.onboarding.helpers import Wizard, answers
from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD, create_account, create_coop

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.redis]


def _waiting_on_locks(app) -> int:
    """How many sessions of this database wait for a lock now."""
    with app.app_context():
        return db.session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"))


def _together(app, *calls, wait: bool = True):
    """Run each (job, *args) in its own thread, released at the same moment.

    Returns the threads' results, or with ``wait=False`` the running threads.
    """
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), []

    def run(index, job, *args):
        barrier.wait()
        try:
            with app.app_context():
                results[index] = run_job(job, *args)
        except Exception as exc:  # noqa: BLE001 - a loser may fail; it must not duplicate
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    if not wait:
        return threads
    for thread in threads:
        thread.join(120)
    return results


def rig_settings(_folder) -> dict:
    # A rig of its own: after the Redis faults of test_jobs_survive_faults, a sign-in
    # through the web client of that shared app was once seen not to take (the wizard
    # then answered 302), not yet understood; this module's web steps start afresh.
    return {}


@pytest.fixture
def rig(fault_rig):
    fault_rig.reset()
    return fault_rig


def test_two_concurrent_sends_of_an_invitation_send_one_email_whose_link_works(rig):
    coop, _ = create_coop(rig.app)
    (invitation_id, email), = invite(rig.app, coop)
    rig.redis.flush()  # only the two racing jobs below send
    job = "services.mail.tasks:send_invitation"
    _together(rig.app, (job, coop.id, invitation_id), (job, coop.id, invitation_id))
    received = rig.sink.to(email)
    assert len(received) == 1, f"{len(received)} emails for one invitation"
    assert link_works(rig.app, coop, invitation_id, received[0])


def test_two_concurrent_runs_of_the_apply_job_do_not_duplicate_founders(rig):
    app = rig.app
    client = app.test_client()
    signed = sign_in(client, create_account(app).email, PASSWORD)
    assert signed.status_code == 302, signed.status_code
    wizard = Wizard(client)
    wizard.start()
    wizard.fill(answers())
    backend = app.extensions["coopfed.jobs"]
    original = backend.dispatch
    backend.dispatch = lambda requests: original(
        [r for r in requests if r.func != onboarding.APPLY_JOB])
    try:
        wizard.submit()
    finally:
        backend.dispatch = original
    backend.drain()  # provisioning only: the co-op is active, the draft not applied
    with client.session_transaction() as session:
        token = session["onboarding_token"]
    with app.app_context():
        draft = onboarding.draft_for_token(token)
        draft_id, coop_id = draft.id, draft.coop_id
        from tenants.registry.models import Coop

        coop = db.session.get(Coop, coop_id)
        db.session.expunge(coop)
    ref = TenantRef(coop.id, coop.slug)
    tenant_store = app.extensions["coopfed.store"]
    # The co-op already has the classes, settings and position the group asked for (as
    # when an earlier run got that far), so the runs collide only over the founders: a
    # run that enters its founders before the other commits, and writes its settings
    # after, commits them all again (on the old code, 4 founders and 4 invitations).
    with app.app_context(), app.test_request_context():
        draft = db.session.get(Draft, draft_id)
        bind_tenant(ref)
        session = tenant_session()
        apply.apply_classes(session, step_answers(draft, "governance")["classes"],
                            draft.answers("group")["coop_type"])
        apply.apply_settings(session, draft, 0)
        apply.apply_position(session, draft, admin_account_id=None)
        finish_tenant_session(commit=True)
        db.session.rollback()
    # Both runs read the register before either writes: hold new members back with a
    # table lock until both are waiting on a lock, whatever is taking the other's place.
    with tenant_store.owner_connection(ref) as conn:
        conn.exec_driver_sql(f"LOCK TABLE {tenant_store.schema(ref)}.members IN EXCLUSIVE MODE")
        threads = _together(app, (onboarding.APPLY_JOB, coop_id, draft_id),
                            (onboarding.APPLY_JOB, coop_id, draft_id), wait=False)
        with app.app_context():
            eventually(lambda: _waiting_on_locks(app) >= 2, timeout=60,
                       what="both apply jobs waiting")
    for thread in threads:
        thread.join(120)
    with app.app_context():
        session = store().session(TenantRef(coop.id, coop.slug))
        founders = session.scalar(select(func.count(Member.id)))
        invitations = session.scalar(select(func.count(Invitation.id)))
        session.close()
    # The answers list two founders, neither of them the submitter: each entered once and
    # invited once.
    assert (founders, invitations) == (2, 2)

"""Every acknowledged background effect happens exactly once, whatever dies when.

Real ``coopfed worker`` processes against a private Redis: jobs lost between a worker
taking them and starting, Redis flushed, stopped and frozen, work horses and workers
killed with SIGKILL mid-job. The sweepers (run here as the scheduler would) find the
work again in PostgreSQL. Deadlines are generous: they bound a hang, never a speed.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
from sqlalchemy import select

from core.db import db
from services.jobs.runner import run_job
from services.stats import publish
from services.stats.models import StatsRelease
from tenants.outbox.service import RELAY_JOB
from tests.faults.harness import Processes, eventually
from tests.faults.helpers import coop_state, emailed_exactly_once, invite
from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD, create_account, create_coop, unique

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def rig(fault_rig):
    """The module's rig with no worker running and an empty Redis at the start."""
    fault_rig.reset()
    yield fault_rig
    fault_rig.redis.thaw()
    fault_rig.procs.stop_all()


def test_a_job_a_worker_took_and_died_with_is_queued_again_by_the_sweeper(rig):
    admin = create_account(rig.app)
    with rig.app.app_context():
        from federation.coops.service import check_create_coop

        coop_id = check_create_coop({"name": "Cwmni Lost", "slug": unique("lost"),
                                     "type": "worker", "la": "W06000018",
                                     "admin_email": admin.email}).coop.id
        db.session.commit()  # acknowledged: provisioning is queued
        deployment = rig.app.config["DEPLOYMENT"]
    # A worker pops the job and dies before running it: its dedupe key stays behind.
    client = rig.redis.client()
    assert client.lmove(f"rq:queue:{deployment}-provisioning", "lost", "LEFT", "RIGHT")
    rig.worker()
    rig.eventually(lambda: coop_state(rig.app, coop_id) == "active",
                   what="the co-op provisioned", timeout=60)


def test_invitations_relayed_before_redis_was_flushed_are_sent_once(rig):
    coop, _ = create_coop(rig.app)
    invited = invite(rig.app, coop, 3)
    with rig.app.app_context():
        assert run_job(RELAY_JOB, coop.id) >= 3  # relayed: the mail jobs are queued
    rig.redis.flush()  # ... and Redis loses them
    rig.worker()
    emailed_exactly_once(rig, coop, invited)


def test_kill_9_of_a_work_horse_and_of_a_worker_mid_send(rig):
    coop, _ = create_coop(rig.app)
    worker = rig.worker()
    for victim in ("horse", "worker"):
        rig.sink.hanging.clear()
        rig.sink.tarpit = 1  # the next connection hangs mid-send
        invited = invite(rig.app, coop)
        rig.eventually(rig.sink.hanging.is_set, what="a job stuck sending")
        parent = worker.pid
        horses = eventually(lambda p=parent: Processes.children(p), what="a work horse")
        for pid in horses:
            os.kill(pid, signal.SIGKILL)
        if victim == "worker":
            worker.kill()
            worker.wait(10)
            worker = rig.worker()
        emailed_exactly_once(rig, coop, invited)


def test_a_release_whose_job_was_lost_is_published_and_never_blocks_the_next(rig):
    with rig.app.app_context():
        first = publish.request_release().id
        db.session.commit()
    rig.redis.flush()  # its job is lost before any worker took it
    rig.worker()

    def status(release_id):
        with rig.app.app_context():
            return db.session.scalar(select(StatsRelease.status).where(
                StatsRelease.id == release_id))

    rig.eventually(lambda: status(first) == "published", what="the lost release published")
    with rig.app.app_context():
        second = publish.request_release().id  # nothing is left running
        db.session.commit()
    rig.eventually(lambda: status(second) == "published", what="the next release published")


def test_writes_commit_and_sign_in_answers_503_while_redis_is_down_or_frozen(rig):
    coop, admin = create_coop(rig.app)
    from tests.tenants.members.helpers import signed_in

    api = signed_in(rig.app, admin)
    member = api.post(f"/api/v1/c/{coop.slug}/members", json={
        "display_name": "Eleri Jones", "email": f"{unique('eleri')}@example.org",
        "joined_on": "2025-03-01", "classes": ["worker"]}).get_json()
    for fault in ("stopped", "frozen"):
        other = api.post(f"/api/v1/c/{coop.slug}/members", json={
            "display_name": "Owain Jones", "email": f"{unique('owain')}@example.org",
            "joined_on": "2025-03-01", "classes": ["worker"]}).get_json()
        if fault == "stopped":
            rig.redis.stop()
        else:
            rig.redis.freeze()
        target = member if fault == "stopped" else other
        answer = api.post(f"/api/v1/c/{coop.slug}/invitations", json={"member_id": target["id"]})
        assert answer.status_code == 201, answer.get_data(as_text=True)
        visitor = rig.app.test_client()
        refused = sign_in(visitor, admin.email, PASSWORD)
        assert refused.status_code == 503 and refused.headers["Retry-After"]
        if fault == "stopped":
            rig.redis.start()
        else:
            rig.redis.thaw()
        worker = rig.worker()
        emailed_exactly_once(rig, coop, [(answer.get_json()["id"], target["email"])])
        worker.kill()
        worker.wait(10)


def _alive(rig, *processes) -> None:
    for process in processes:
        assert process.poll() is None, rig.procs.log_tail()


def test_a_worker_rq_quits_on_a_frozen_redis_reconnects_when_it_thaws(rig):
    """Redis freezes for longer than the worker waits for a job (its TTL less 15 s, plus
    10 s of socket timeout). RQ logs "Redis connection timeout, quitting..." and, once Redis
    answers again, its loop returns as after a clean stop: the worker must go on working,
    not exit, and the email asked for afterwards goes out once."""
    coop, _ = create_coop(rig.app)
    worker = rig.worker(WORKER_TTL=30)  # waits 15 s for a job; the socket gives up at 25 s
    log = rig.procs.log_of
    # Its own log (earlier tests' workers logged to the rig too): started, and past the
    # start-up steps, whose Redis errors raise instead of ending RQ's loop quietly.
    rig.eventually(lambda: log(worker).count("cleaning registries for queue") == 3,
                   what="the worker started")
    time.sleep(1)
    rig.redis.freeze()
    rig.eventually(lambda: "quitting" in log(worker), what="RQ quitting", timeout=90)
    rig.redis.thaw()
    rig.eventually(lambda: "reconnecting" in log(worker), what="a reconnect")
    _alive(rig, worker)
    invited = invite(rig.app, coop)
    emailed_exactly_once(rig, coop, invited)
    _alive(rig, worker)


def test_the_worker_and_the_scheduler_reconnect_when_redis_comes_back(rig):
    """Redis goes away while a work horse runs and over the scheduler's next tick.

    RQ's worker rides out a stopped Redis only while it waits for a job; a Redis error
    anywhere else (here: its horse is killed while Redis is stopped, so the worker cannot
    record the job's end) ends its loop without raising, and the scheduler's tick, once a
    minute, raises. Both must come back, and the email asked for still goes out once.
    """
    coop, _ = create_coop(rig.app)
    worker = rig.worker()
    scheduler = rig.procs.start("scheduler")
    rig.eventually(lambda: "Listening on" in rig.procs.log_tail()
                   and "Enqueued job" in rig.procs.log_tail(), what="both started")
    ticked = time.monotonic()  # the scheduler's first tick: the next is a minute later
    rig.sink.hanging.clear()
    rig.sink.tarpit = 1  # the next connection hangs mid-send
    invited = invite(rig.app, coop)
    rig.eventually(rig.sink.hanging.is_set, what="a job stuck sending")
    horses = eventually(lambda: Processes.children(worker.pid), what="a work horse")
    rig.redis.stop()
    for pid in horses:
        os.kill(pid, signal.SIGKILL)
    # Redis stays away until the scheduler's next tick has come and gone.
    time.sleep(max(5.0, ticked + 60 + 8 - time.monotonic()))
    _alive(rig, worker, scheduler)
    rig.redis.start()
    emailed_exactly_once(rig, coop, invited)
    _alive(rig, worker, scheduler)

"""Where committed job requests go: RQ on Redis, or threads in this process when there is no Redis.

Both run every job through ``services.jobs.runner.run_job``, so a job behaves the same
way in the embedded default and in production.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime, timedelta

from flask import Flask

from core.jobs import EXTENSION, JobRequest

log = logging.getLogger(__name__)

RUNNER = "services.jobs.runner.run_job"
QUEUES = ("provisioning", "outbox", "default")
FAILED_JOB_TTL = int(timedelta(days=365).total_seconds())
# Seconds a web request waits for Redis before giving up (a frozen Redis must not hang it).
REDIS_TIMEOUT = 3.0


class InProcessBackend:
    """Runs jobs on a small thread pool, each in its own app context and transaction."""

    def __init__(self, app: Flask, threads: int):
        self.app = app
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="coopfed-job")
        self._futures: set[Future] = set()
        self._queued: set[str] = set()
        self._lock = threading.Lock()

    def dispatch(self, requests: list[JobRequest]) -> None:
        """Submit each request unless an identical one is still waiting."""
        from services.jobs.runner import run_job

        for request in requests:
            with self._lock:
                if request.job_id and request.job_id in self._queued:
                    continue
                if request.job_id:
                    self._queued.add(request.job_id)
            future = self._pool.submit(self._run, run_job, request)
            with self._lock:
                self._futures.add(future)
            future.add_done_callback(self._done)

    def _run(self, run_job, request: JobRequest):
        with self.app.app_context():
            try:
                return run_job(request.func, *request.args, dedupe_key=request.job_id)
            except Exception:
                log.exception("job %s%r failed", request.func, request.args)
                raise

    def _done(self, future: Future) -> None:
        with self._lock:
            self._futures.discard(future)

    def release(self, key: str) -> None:
        """Let a request with this key be queued again (the job has started)."""
        with self._lock:
            self._queued.discard(key)

    def drain(self, timeout: float | None = None, progress_every: float = 15.0) -> None:
        """Wait until every submitted job (and any job they submitted) has finished.

        In-process jobs always finish, however busy the machine, so by default there is no
        deadline (a fixed one made the demo seed fail on a loaded 2-core machine); a line
        is logged every ``progress_every`` seconds instead. A caller that must give up
        passes ``timeout`` and gets ``TimeoutError``.
        """
        started = time.monotonic()
        while True:
            with self._lock:
                pending = set(self._futures)
            if not pending:
                return
            waited = time.monotonic() - started
            if timeout is not None and waited >= timeout:
                raise TimeoutError(f"{len(pending)} jobs still running after {timeout}s")
            step = progress_every if timeout is None else min(progress_every, timeout - waited)
            _done, not_done = wait(pending, timeout=step)
            if not_done:
                log.info("waiting for %d background jobs (%.0f s so far)", len(not_done),
                         time.monotonic() - started)


class RQBackend:
    """Enqueues jobs on RQ queues named ``<deployment>-<queue>``.

    Redis holds nothing that cannot be rebuilt: every job stands for work recorded in
    the database, which the sweeper finds and queues again. So a failure to reach Redis
    is logged and never fails the caller (whose change is committed), and a dedupe key
    only holds while the job it names is waiting or alive.
    """

    # After Redis fails, skip it for this long (the sweeper delivers), so that a frozen
    # Redis costs one timeout now and then rather than one per request.
    PAUSE_AFTER_FAILURE = 5.0
    # A job taken by a worker whose heartbeat is older than this died before it started.
    STARTED_STALE_SECONDS = 90

    def __init__(self, app: Flask, redis_url: str, deployment: str):
        from redis import Redis

        self.app = app
        self.redis = Redis.from_url(redis_url, socket_timeout=REDIS_TIMEOUT,
                                    socket_connect_timeout=REDIS_TIMEOUT,
                                    health_check_interval=30)
        self.prefix = deployment
        self._down_until = 0.0

    def queue_name(self, queue: str) -> str:
        """The deployment-prefixed name of a queue."""
        return f"{self.prefix}-{queue}"

    def queue(self, queue: str):
        """The RQ queue for ``queue``."""
        from rq import Queue

        return Queue(self.queue_name(queue), connection=self.redis)

    def _dedupe(self, key: str) -> str:
        return f"{self.prefix}:job-dedupe:{key}"

    def dispatch(self, requests: list[JobRequest]) -> None:
        """Enqueue each request, skipping one whose twin is still waiting or running.

        Never raises for Redis: the change that asked is committed, and the sweeper
        finds its work in the database and queues it again.
        """
        from redis.exceptions import RedisError

        for request in requests:
            if time.monotonic() < self._down_until:
                log.warning("Redis unavailable: %s%r left for the sweeper", request.func,
                            request.args)
                continue
            try:
                self._dispatch_one(request)
            except RedisError:
                self._down_until = time.monotonic() + self.PAUSE_AFTER_FAILURE
                log.exception("could not enqueue %s%r (the sweeper will)", request.func,
                              request.args)

    def _dispatch_one(self, request: JobRequest) -> None:
        from rq import Retry

        job_id = None
        if request.job_id:
            key = self._dedupe(request.job_id)
            job_id = str(uuid.uuid4())
            if not self.redis.set(key, job_id, nx=True, ex=3600):
                holder = self.redis.get(key)
                if holder is not None and self._alive(holder.decode()):
                    return
                # The key outlived its job (lost, failed, or died before it started).
                self.redis.set(key, job_id, ex=3600)
        self.queue(request.queue).enqueue(
            RUNNER, request.func, *request.args, dedupe_key=request.job_id, job_id=job_id,
            retry=Retry(max=3, interval=[5, 30, 120]), failure_ttl=FAILED_JOB_TTL,
            description=f"{request.func}{request.args}")

    def _alive(self, job_id: str) -> bool:
        """Whether the job behind a dedupe key still waits in a queue or runs."""
        from rq.exceptions import NoSuchJobError
        from rq.job import Job, JobStatus

        try:
            job = Job.fetch(job_id, connection=self.redis)
        except NoSuchJobError:
            return False
        status = job.get_status(refresh=False)
        if status == JobStatus.QUEUED:
            # "Queued" stays on a job a worker popped and then died with: it counts only
            # while the job is really in its queue.
            return self.redis.lpos(f"rq:queue:{job.origin}", job_id) is not None
        if status in (JobStatus.DEFERRED, JobStatus.SCHEDULED):
            return True
        if status == JobStatus.STARTED:
            beat = job.last_heartbeat or job.started_at
            if beat is None:
                return False
            if beat.tzinfo is None:
                beat = beat.replace(tzinfo=UTC)
            return (datetime.now(UTC) - beat).total_seconds() < self.STARTED_STALE_SECONDS
        return False

    def release(self, key: str) -> None:
        """Let a request with this key be queued again (the job has started).

        If Redis cannot be reached the key simply expires, or the next request finds
        that its job is no longer waiting: the job itself goes on.
        """
        from redis.exceptions import RedisError

        try:
            self.redis.delete(self._dedupe(key))
        except RedisError:
            log.warning("could not release dedupe key %s", key)

    def drain(self, timeout: float = 60.0) -> None:
        """Run every queued job now in this process (tests and `coopfed demo`)."""
        from rq import SimpleWorker

        queues = [self.queue(q) for q in QUEUES]
        with self.app.app_context():
            SimpleWorker(queues, connection=self.redis).work(burst=True, with_scheduler=False)


def init_app(app: Flask) -> None:
    """Choose the job backend from the settings."""
    if app.config["REDIS_URL"]:
        backend = RQBackend(app, app.config["REDIS_URL"], app.config["DEPLOYMENT"])
    else:
        backend = InProcessBackend(app, app.config["INPROCESS_JOB_THREADS"])
    app.extensions[EXTENSION] = backend


def backend(app: Flask):
    """The app's job backend."""
    return app.extensions[EXTENSION]

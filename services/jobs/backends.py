"""Where committed job requests go: RQ on Redis, or threads in this process when there is no Redis.

Both run every job through ``services.jobs.runner.run_job``, so a job behaves the same
way in the embedded default and in production.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import timedelta

from flask import Flask

from core.jobs import EXTENSION, JobRequest

log = logging.getLogger(__name__)

RUNNER = "services.jobs.runner.run_job"
QUEUES = ("provisioning", "outbox", "default")
FAILED_JOB_TTL = int(timedelta(days=365).total_seconds())


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
    """Enqueues jobs on RQ queues named ``<deployment>-<queue>``."""

    def __init__(self, app: Flask, redis_url: str, deployment: str):
        from redis import Redis

        self.app = app
        self.redis = Redis.from_url(redis_url)
        self.prefix = deployment

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
        """Enqueue each request, skipping one whose twin is still waiting in the queue."""
        from rq import Retry

        for request in requests:
            if request.job_id and not self.redis.set(
                    self._dedupe(request.job_id), 1, nx=True, ex=3600):
                continue
            try:
                self.queue(request.queue).enqueue(
                    RUNNER, request.func, *request.args, dedupe_key=request.job_id,
                    retry=Retry(max=3, interval=[5, 30, 120]), failure_ttl=FAILED_JOB_TTL,
                    description=f"{request.func}{request.args}")
            except Exception:
                # The change is committed; the sweeper will find the work and queue it again.
                log.exception("could not enqueue %s%r", request.func, request.args)
                if request.job_id:
                    self.redis.delete(self._dedupe(request.job_id))

    def release(self, key: str) -> None:
        """Let a request with this key be queued again (the job has started)."""
        self.redis.delete(self._dedupe(key))

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

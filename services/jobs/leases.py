"""Leases on running work, in the federation's store: taken, renewed by a heartbeat, expired.

A job that holds a lease renews it from a background thread while it works. If the job
dies (kill -9, a lost machine), the renewals stop and the lease expires, so the work's
"running" state never outlives the job: the sweeper sees the lapse and hands the work
to another job, and nothing waits for ever.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from core.db import db
from core.timeutil import as_utc, utcnow
from services.jobs.models import JobLease

log = logging.getLogger(__name__)


class LeaseHeld(RuntimeError):
    """Another live job holds the lease on this work."""


def holder_name() -> str:
    """Who is taking a lease: host and process, for people reading the table."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def take(key: str, seconds: int, holder: str) -> bool:
    """Take the lease ``key`` for ``seconds`` unless a live holder has it (own transaction)."""
    until = utcnow() + timedelta(seconds=seconds)
    with db.engine.begin() as conn:
        try:
            with conn.begin_nested():
                conn.execute(insert(JobLease).values(key=key, holder=holder, expires_at=until))
            return True
        except IntegrityError:
            pass
        taken = conn.execute(update(JobLease).where(
            JobLease.key == key, JobLease.expires_at < utcnow())
            .values(holder=holder, expires_at=until))
        return taken.rowcount == 1


def renew(key: str, seconds: int, holder: str) -> bool:
    """Extend a lease this holder has; False if it was lost (expired and taken by another)."""
    with db.engine.begin() as conn:
        renewed = conn.execute(update(JobLease).where(
            JobLease.key == key, JobLease.holder == holder)
            .values(expires_at=utcnow() + timedelta(seconds=seconds)))
        return renewed.rowcount == 1


def drop(key: str, holder: str) -> None:
    """Give up a lease this holder has."""
    with db.engine.begin() as conn:
        conn.execute(delete(JobLease).where(JobLease.key == key, JobLease.holder == holder))


def is_held(key: str) -> bool:
    """Whether a live job holds the lease ``key`` now."""
    expires = db.session.scalar(select(JobLease.expires_at).where(JobLease.key == key))
    if expires is None:
        return False

    return as_utc(expires) > utcnow()


@contextmanager
def holding(key: str) -> Iterator[None]:
    """Hold the lease ``key`` while the block runs, renewing it from a heartbeat thread.

    Raises LeaseHeld if a live job has it. The lease lasts ``JOB_LEASE_SECONDS`` and is
    renewed every third of that, so it lapses soon after the process dies.
    """
    app = current_app._get_current_object()
    seconds = app.config["JOB_LEASE_SECONDS"]
    holder = holder_name()
    if not take(key, seconds, holder):
        raise LeaseHeld(key)
    stop = threading.Event()

    def beat() -> None:
        with app.app_context():
            while not stop.wait(max(1.0, seconds / 3)):
                try:
                    if not renew(key, seconds, holder):
                        log.warning("lease %s was lost", key)
                        return
                except Exception:  # noqa: BLE001 - a missed beat only shortens the lease
                    log.exception("could not renew lease %s", key)

    thread = threading.Thread(target=beat, name=f"lease-{key}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        drop(key, holder)

"""Jobs requested by any layer, dispatched only after the transaction that asked commits.

A job is named by the dotted path of its function (``"services.outbox.tasks:relay"``)
and takes ids only, so that lower layers can ask for work done by higher ones
without importing them, and so that no personal data sits in a queue. The backend
(RQ or in-process threads) is chosen by ``services.jobs`` when the app starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

_PENDING = "coopfed.pending_jobs"
EXTENSION = "coopfed.jobs"


@dataclass(frozen=True)
class JobRequest:
    """A job to run: the function's dotted path, its id arguments and its queue."""

    func: str
    args: tuple[int | str, ...]
    queue: str = "default"
    job_id: str | None = None


class JobBackend(Protocol):
    """Where committed job requests go."""

    def dispatch(self, requests: list[JobRequest]) -> None: ...


def enqueue_after_commit(
    session: Session, func: str, *args: int | str, queue: str = "default",
    job_id: str | None = None,
) -> None:
    """Ask for ``func(*args)`` to run once ``session`` commits; dropped if it rolls back.

    ``job_id`` makes the request idempotent at the queue: a second request with the
    same id while the first is still queued is not queued again.
    """
    for arg in args:
        if not isinstance(arg, int | str) or isinstance(arg, bool):
            raise TypeError(f"jobs take ids only, not {type(arg).__name__}")
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction():
        session.begin()  # so that a rollback before any query still drops the request
    session.info.setdefault(_PENDING, []).append(JobRequest(func, tuple(args), queue, job_id))


def dispatch_now(requests: list[JobRequest]) -> None:
    """Hand requests to the app's backend (used by the after-commit hook and sweepers)."""
    if not requests:
        return
    backend: JobBackend = current_app.extensions[EXTENSION]
    backend.dispatch(requests)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending and has_app_context():
        dispatch_now(pending)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous) -> None:
    # A savepoint's rollback keeps the outer transaction, and its jobs, alive.
    if not session.in_transaction():
        session.info.pop(_PENDING, None)

"""The pool's outbox handlers: a consent changed in a co-op, so republish or remove it.

The relay holds the co-op's store open while handlers run, so the handler does not read
that store itself: it asks for a sync job, which runs as soon as the relay commits.
"""

from __future__ import annotations

from core.db import db
from core.jobs import enqueue_after_commit
from services.outbox.handlers import handles
from tenants.lending.service import PROFILE_EVENT

SYNC_JOB = "services.pool.tasks:sync_consent"


@handles(PROFILE_EVENT)
def _profile_changed(coop_id: int, payload: dict) -> None:
    consent_id = int(payload["consent_id"])
    enqueue_after_commit(db.session, SYNC_JOB, coop_id, consent_id, queue="outbox")

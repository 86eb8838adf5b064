"""A job used by the tests: it records that it ran, for one co-op id."""

from core import audit
from core.db import db


def mark_coop(coop_id: int) -> None:
    """Write one audit row for ``coop_id``; the runner commits it."""
    audit.record(db.session, "test.marked", coop_id=int(coop_id))


def slow_mark(coop_id: int) -> None:
    """Like ``mark_coop``, but takes a while, as a job does on a loaded machine."""
    import time

    time.sleep(1.5)
    mark_coop(coop_id)

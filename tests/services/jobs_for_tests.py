"""A job used by the tests: it records that it ran, for one co-op id; and an outbox handler."""

from core import audit
from core.db import db
from services.outbox.handlers import handles


def mark_coop(coop_id: int) -> None:
    """Write one audit row for ``coop_id``; the runner commits it."""
    audit.record(db.session, "test.marked", coop_id=int(coop_id))


def slow_mark(coop_id: int) -> None:
    """Like ``mark_coop``, but takes a while, as a job does on a loaded machine."""
    import time

    time.sleep(1.5)
    mark_coop(coop_id)


@handles("test.event")
def _test_event(coop_id: int, payload: dict) -> None:
    """The outbox handler the relay tests deliver to; events of other types stay pending."""
    audit.record(db.session, "test.event_applied", coop_id=int(coop_id), n=payload.get("n"))

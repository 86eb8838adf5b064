"""A job used by the tests: it records that it ran, for one co-op id."""

from core import audit
from core.db import db


def mark_coop(coop_id: int) -> None:
    """Write one audit row for ``coop_id``; the runner commits it."""
    audit.record(db.session, "test.marked", coop_id=int(coop_id))

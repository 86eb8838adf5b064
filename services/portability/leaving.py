"""A co-op leaving the federation: its export, a grace period, then its end.

At the start the co-op's export is queued and the leaving waits ``grace_days``
(30 by default), during which an admin can cancel. Then ``tasks.sweep_leavings``
completes it: the co-op's store is dropped, and its federation records are reduced
to what the other co-ops' ledgers need (the registry row, now archived and sharing
nothing, and the lending requests, agreements and ledger entries, with no account
left on them). Everything else that refers to the co-op is deleted. An audit row
records the end, in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update

from core import audit
from core.db import db
from core.errors import Conflict, NotFound, ValidationError
from services.portability.export import federation_tables_of
from services.portability.models import CoopLeaving
from services.portability.service import request_coop_export
from services.portability.text import _
from tenants.context import store
from tenants.registry.models import Coop, CoopState
from tenants.store import TenantRef

DEFAULT_GRACE_DAYS = 30
#: Federation tables kept when a co-op has left, because other co-ops' ledgers and
#: statements (or this federation's own records of the leaving) still need them.
KEPT = {"coops", "lending_requests", "lending_slots", "lending_agreements", "ledger_entries",
        "stats_release_coops", "coop_leavings", "portability_jobs", "coop_imports",
        "supported_groups"}
LEAVABLE = (CoopState.ACTIVE, CoopState.SUSPENDED)


def _coop(slug_or_id: str | int) -> Coop:
    column = Coop.id if isinstance(slug_or_id, int) else Coop.slug
    coop = db.session.scalar(select(Coop).where(column == slug_or_id))
    if coop is None:
        raise NotFound(_("There is no such co-op."))
    return coop


def open_leaving(coop_id: int) -> CoopLeaving | None:
    """The co-op's leaving still in its grace period, if any."""
    return db.session.scalar(select(CoopLeaving).where(
        CoopLeaving.coop_id == coop_id, CoopLeaving.state == "grace"))


def do_start_leaving(slug_or_id: str | int, *, grace_days: int | None = None,
                     actor_account_id: int | None = None) -> CoopLeaving:
    """Start the co-op's leaving: queue its export and set the date its store is dropped."""
    coop = _coop(slug_or_id)
    grace = DEFAULT_GRACE_DAYS if grace_days is None else grace_days
    if not 0 <= grace <= 365:
        raise ValidationError({"grace_days": [_("Give a number of days from 0 to 365.")]})
    if coop.state not in LEAVABLE:
        raise Conflict(_("A co-op that is %(state)s cannot start leaving.", state=coop.state))
    if open_leaving(coop.id) is not None:
        raise Conflict(_("This co-op is already leaving."))
    job = request_coop_export(coop.id, actor_account_id)
    leaving = CoopLeaving(coop_id=coop.id, state="grace", grace_days=grace,
                          started_by_account_id=actor_account_id, export_job_id=job.id,
                          leaves_at=datetime.now(UTC) + timedelta(days=grace))
    db.session.add(leaving)
    db.session.flush()
    audit.record(db.session, "coop.leaving_started", actor_account_id=actor_account_id,
                 coop_id=coop.id, leaving_id=leaving.id, grace_days=grace)
    return leaving


def do_cancel_leaving(slug_or_id: str | int, actor_account_id: int | None = None) -> None:
    """Cancel a leaving that is still in its grace period."""
    coop = _coop(slug_or_id)
    leaving = open_leaving(coop.id)
    if leaving is None:
        raise Conflict(_("This co-op is not leaving."))
    leaving.state = "cancelled"
    leaving.cancelled_at = datetime.now(UTC)
    audit.record(db.session, "coop.leaving_cancelled", actor_account_id=actor_account_id,
                 coop_id=coop.id, leaving_id=leaving.id)
    db.session.flush()


def do_complete_leaving(leaving_id: int) -> str:
    """Drop the co-op's store and reduce its federation records; safe to run twice."""
    leaving = db.session.get(CoopLeaving, int(leaving_id))
    if leaving is None or leaving.state != "grace":
        return leaving.state if leaving else "missing"
    coop = db.session.get(Coop, leaving.coop_id)
    store().drop_store(TenantRef(coop.id, coop.slug))
    removed = {}
    for name, (table, where) in reversed(list(federation_tables_of(coop.id).items())):
        if name in KEPT:
            continue
        direct = [fk for fk in table.foreign_keys if fk.column.table.name == "coops"]
        if direct:
            removed[name] = db.session.execute(delete(table).where(where)).rowcount
    _forget_accounts(coop.id)
    coop.state = CoopState.ARCHIVED
    coop.state_reason = f"left the federation on {datetime.now(UTC):%Y-%m-%d}"
    coop.shares_statistics = False
    coop.joins_worker_pool = False
    coop.first_admin_account_id = None
    leaving.state = "completed"
    leaving.completed_at = datetime.now(UTC)
    audit.record(db.session, "coop.left", coop_id=coop.id, leaving_id=leaving.id,
                 removed={k: v for k, v in removed.items() if v})
    db.session.flush()
    return leaving.state


def _forget_accounts(coop_id: int) -> None:
    """The kept lending records no longer say which person did the work or asked for it."""
    tables = db.metadata.tables
    requests = tables["federation.lending_requests"]
    agreements = tables["federation.lending_agreements"]
    db.session.execute(update(requests).where(requests.c.borrower_coop_id == coop_id)
                       .values(created_by_account_id=None))
    db.session.execute(update(agreements).where(agreements.c.lender_coop_id == coop_id)
                       .values(worker_account_id=None))

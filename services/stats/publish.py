"""Publishing a release: raw rollups → fixed cells → disclosure control → stored cells.

``request_release`` makes the release row and queues the job; ``publish`` is the job's
body and takes only the release id. The heavy work runs on plain data
(:mod:`services.stats.aggregate`, :mod:`services.stats.disclosure`); this module reads
the inputs, writes the outputs and reports progress.

Progress is written in short transactions of its own, so the admin page sees it while
the job runs: that is the one deliberate exception to "the job runner commits". The
job holds no transaction while it computes (on SQLite an open one would hold the write
lock), and writes the release in the runner's transaction at the end.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, insert, select, update

from core import audit
from core.db import db
from core.errors import Conflict
from core.jobs import enqueue_after_commit
from core.timeutil import as_utc, utcnow
from services.directory.models import DirectoryListing
from services.jobs import leases
from services.stats.aggregate import CoopInfo, aggregate
from services.stats.disclosure import (
    Outcome,
    Ref,
    Release,
    decode_contributions,
    encode_contributions,
    protect,
)
from services.stats.inputs import read_rollups, write_cells
from services.stats.models import (
    StatsCellRef,
    StatsRelease,
    StatsReleaseCoop,
    StatsReleaseUsefulness,
    StatsRollupWeek,
)
from services.stats.unfilled import lending_unfilled_rows
from services.stats.usefulness import usefulness
from tenants.registry.models import Coop, CoopState

log = logging.getLogger(__name__)
PUBLISH_JOB = "services.stats.tasks:publish_release"
# Co-ops in these states contribute nothing, whatever they chose.
NOT_CONTRIBUTING = (CoopState.PENDING, CoopState.PROVISIONING, CoopState.FAILED,
                    CoopState.ARCHIVED)


def request_release(*, actor_account_id: int | None = None) -> StatsRelease:
    """Start a new release (the next version) and queue its job once this commits.

    Conflict if a release is already running: versions are built one at a time.
    """
    running = db.session.scalar(select(StatsRelease).where(StatsRelease.status == "running"))
    if running is not None:
        if not _lapsed(running):
            raise Conflict("a release is already being published")
        # Its job died and nothing holds its lease: it must not block publishing for ever.
        running.status = "failed"
        running.error = "its job stopped before it finished (lease lapsed)"
        running.finished_at = utcnow()
        audit.record(db.session, "stats.release_abandoned", release_id=running.id,
                     version=running.version, outcome="error")
        db.session.flush()
    version = (db.session.scalar(select(func.max(StatsRelease.version))) or 0) + 1
    release = StatsRelease(version=version, status="running", progress=0,
                           requested_by_account_id=actor_account_id)
    db.session.add(release)
    db.session.flush()
    audit.record(db.session, "stats.release_requested", actor_account_id=actor_account_id,
                 release_id=release.id, version=version)
    enqueue_after_commit(db.session, PUBLISH_JOB, release.id, queue="default",
                         job_id=f"stats-publish-{release.id}")
    return release


def lease_key(release_id: int) -> str:
    """The lease a publish job holds while it builds this release."""
    return f"stats-publish-{int(release_id)}"


def _lapsed(release: StatsRelease) -> bool:
    """A running release no job holds, past the time its queued job had to take it."""
    grace = timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])
    return (as_utc(release.started_at) < utcnow() - grace
            and not leases.is_held(lease_key(release.id)))


def lapsed_releases() -> list[int]:
    """Ids of running releases whose job is gone (for the sweeper)."""
    running = db.session.scalars(select(StatsRelease).where(StatsRelease.status == "running"))
    return [r.id for r in running if _lapsed(r)]


def latest_published() -> StatsRelease | None:
    """The newest published release, which readers see."""
    return db.session.scalar(select(StatsRelease).where(StatsRelease.status == "published")
                             .order_by(StatsRelease.version.desc()).limit(1))


def publish(release_id: int) -> StatsRelease | None:
    """Job body: build, protect and store the cells of a running release.

    Idempotent: a release that is no longer running is left as it is. On error the
    release is marked failed (in a transaction of its own) and the error re-raised.
    """
    release = db.session.get(StatsRelease, release_id)
    if release is None or release.status != "running":
        return release
    try:
        return _publish(release_id)
    except Exception as exc:
        db.session.rollback()
        _mark_failed(release_id, f"{type(exc).__name__}: {exc}")
        raise


def _publish(release_id: int) -> StatsRelease:
    coops, consent_rows = _consent()
    inputs = read_rollups(coops)
    # Unfilled lending requests count as hours asked for but not filled (issue 13).
    unfilled = lending_unfilled_rows(coops, inputs.weeks, utcnow())
    inputs.add_rows(unfilled)
    previous = latest_published()
    previous_refs = _refs(previous.id) if previous else {}
    input_digest = _input_digest(consent_rows, previous_refs, unfilled)
    db.session.rollback()  # end the read: no transaction is held while computing
    _progress(release_id, 10)
    agg = inputs.aggregate(coops)
    del inputs
    _progress(release_id, 30)
    result = protect(agg, previous_refs, secret=cell_key_secret(),
                     progress=lambda f: _progress(release_id, 30 + int(50 * f)))
    _progress(release_id, 85)
    release = db.session.get(StatsRelease, release_id)
    _store(release, result, consent_rows)
    release.input_digest = input_digest
    release.output_digest = result.digest()
    release.cell_count = len(result.cells)
    release.status = "published"
    release.progress = 100
    release.finished_at = utcnow()
    audit.record(db.session, "stats.release_published", release_id=release.id,
                 version=release.version, cells=release.cell_count)
    db.session.flush()
    log.info("stats release %s published: %s cells, %s audited by LP in %s solves",
             release.version, len(result.cells), result.audited, result.lp_solves)
    return release


def cell_key_secret() -> bytes:
    """The secret of the cell-key perturbation (config, never in a release)."""
    return current_app.config["STATS_CELL_KEY"].encode()


def run_engine(coops: dict[int, CoopInfo], rows, previous_refs=None, *,
               secret: bytes = b"") -> Release:
    """The whole pure pipeline, for tests and benchmarks that bypass the database."""
    return protect(aggregate(coops, rows), previous_refs or {}, secret=secret)


def _consent() -> tuple[dict[int, CoopInfo], list[tuple[int, bool, str, str, str | None]]]:
    """Each co-op's consents as of now: to contribute (rule 7), and to be named, which is
    its directory entry being published at this moment (issue 13). Both are snapshot into
    the release, so a later withdrawal changes only the next release.

    Only a co-op a federation admin has verified contributes (issue 18), and co-ops whose
    first admin is the same account count as one contributor (their controller is the
    first of them)."""
    rows = db.session.execute(
        select(Coop.id, Coop.shares_statistics, Coop.la_code, Coop.coop_type, Coop.state,
               Coop.name, DirectoryListing.published, Coop.stats_verified_at,
               Coop.first_admin_account_id)
        .outerjoin(DirectoryListing, DirectoryListing.coop_id == Coop.id)
        .order_by(Coop.id)).all()
    snapshot, coops, first_of_account = [], {}, {}
    for coop_id, shares, la_code, coop_type, state, name, listed, verified, admin in rows:
        contributes = (bool(shares) and verified is not None
                       and state not in NOT_CONTRIBUTING)
        named_as = name if contributes and listed else None
        snapshot.append((coop_id, contributes, la_code, coop_type, named_as))
        if contributes:
            controller = None
            if admin is not None:
                controller = first_of_account.setdefault(admin, coop_id)
            coops[coop_id] = CoopInfo(la_code, coop_type, named=named_as is not None,
                                      controller=controller)
    return coops, snapshot


def _refs(release_id: int) -> dict[str, Ref]:
    """The previous release's references (rule 6 and the freeze). References written
    before issue 18 list only co-op ids: their values match any, and they freeze nothing."""
    rows = db.session.execute(select(StatsCellRef.cell_key, StatsCellRef.coop_ids,
                                     StatsCellRef.anchor, StatsCellRef.state,
                                     StatsCellRef.value, StatsCellRef.reason)
                              .where(StatsCellRef.release_id == release_id))
    out = {}
    for key, ids, anchor, state, value, reason in rows:
        if not anchor and ids and ":" not in ids:
            out[key] = Ref(decode_contributions(ids))
            continue
        outcome = None if value is None and reason is None else Outcome(value, reason)
        out[key] = Ref(decode_contributions(anchor), state or None, outcome)
    return out


def _ref_text(ref: Ref) -> str:
    outcome = ref.outcome or Outcome(None, None)
    return (f"{encode_contributions(ref.anchor)}\t{ref.state or ''}\t"
            f"{'' if outcome.value is None else outcome.value}\t{outcome.reason or ''}")


def _input_digest(consent_rows, previous_refs, unfilled=()) -> str:
    """sha256 of everything the output depends on: consent, each week's revision and
    digest, the unfilled lending hours, and the previous release's references."""
    h = hashlib.sha256()
    for coop_id, contributes, la_code, coop_type, named_as in consent_rows:
        h.update(f"c\t{coop_id}\t{int(contributes)}\t{la_code}\t{coop_type}\t"
                 f"{named_as or ''}\n".encode())
    contributing = {c for c, yes, *_ in consent_rows if yes}
    weeks = db.session.execute(select(StatsRollupWeek.coop_id, StatsRollupWeek.week,
                                      StatsRollupWeek.revision, StatsRollupWeek.digest)
                               .order_by(StatsRollupWeek.coop_id, StatsRollupWeek.week))
    for coop_id, week, revision, digest in weeks:
        if coop_id in contributing:
            h.update(f"w\t{coop_id}\t{week}\t{revision}\t{digest}\n".encode())
    for coop_id, week, _, _, _, minutes in unfilled:
        h.update(f"u\t{coop_id}\t{week}\t{minutes}\n".encode())
    for key in sorted(previous_refs):
        h.update(f"r\t{key}\t{_ref_text(previous_refs[key])}\n".encode())
    return h.hexdigest()


def _store(release: StatsRelease, result: Release, consent_rows) -> None:
    rid = release.id
    coops = [
        {"release_id": rid, "coop_id": c, "shares_statistics": yes, "la_code": la,
         "coop_type": t, "named_as": named} for c, yes, la, t, named in consent_rows]
    useful = [
        {"release_id": rid, "geography_kind": kind, "measure": measure, "cells": count,
         "shown": shown}
        for (kind, measure), (count, shown) in sorted(usefulness(result.cells).items())]
    write_cells(rid, result.published())
    # An empty list would insert one row of defaults: a release with no co-ops has none.
    for table, rows in ((StatsReleaseCoop, coops), (StatsReleaseUsefulness, useful)):
        if rows:
            db.session.execute(insert(table), rows)
    # Only the newest release's references are ever read (rule 6).
    db.session.execute(delete(StatsCellRef))
    if result.refs:
        db.session.execute(insert(StatsCellRef), [
            {"release_id": rid, "cell_key": key,
             "coop_ids": ",".join(str(c) for c, _ in ref.anchor),
             "anchor": encode_contributions(ref.anchor),
             "state": ref.state or "",
             "value": ref.outcome.value if ref.outcome else None,
             "reason": ref.outcome.reason if ref.outcome else None}
            for key, ref in sorted(result.refs.items())])


def _progress(release_id: int, percent: int) -> None:
    """Record progress in a transaction of its own, visible at once to the admin page."""
    with db.engine.begin() as conn:
        conn.execute(update(StatsRelease).where(StatsRelease.id == release_id,
                                                StatsRelease.status == "running")
                     .values(progress=min(max(percent, 0), 99)))


def _mark_failed(release_id: int, error: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(StatsRelease).where(StatsRelease.id == release_id,
                                                StatsRelease.status == "running")
                     .values(status="failed", error=error[:2000], finished_at=utcnow()))

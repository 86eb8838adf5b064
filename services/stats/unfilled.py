"""Hours asked for in lending requests but never filled (issue 13), per borrowing co-op.

A co-op's own rollup counts the hours of its open visits (no worker) as asked for but
not filled. Requests for cover from other co-ops live in the federation's lending
tables, so the publish job adds them here, to the same measure ``hours_unfilled``: the
hours of every slot that has begun, of a request the borrower did not cancel, with no
loan confirmed for it (no agreement ``confirmed`` or ``completed``).

A request is not tied to a visit, so hours a coordinator both left open on the rota and
asked the pool to cover count twice; that is the co-op's own double entry, and rare.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select

from core.db import db
from core.timeutil import LOCAL
from services.lending.models import (
    BOOKED_STATES,
    LendingAgreement,
    LendingRequest,
    LendingSlot,
)
from services.stats.cells import iso_week

Row = tuple[int, str, str, str, str, int]
"""(coop_id, week, measure, breakdown, category, value), as rollup rows"""


def lending_unfilled_rows(coop_ids: Collection[int], weeks: Collection[str],
                          now: datetime) -> list[Row]:
    """Minutes of unfilled lending slots per borrowing co-op and ISO week, for the co-ops
    ``coop_ids`` and only in ``weeks`` (the weeks the release holds), sorted.

    ``now`` is an aware instant: slots are Wales wall-clock times, and only slots that
    have begun by then count (a slot still to come may yet be filled).
    """
    local_now = now.astimezone(LOCAL).replace(tzinfo=None)
    booked = select(LendingAgreement.request_id).where(
        LendingAgreement.state.in_(BOOKED_STATES))
    rows = db.session.execute(
        select(LendingRequest.borrower_coop_id, LendingSlot.starts_at, LendingSlot.ends_at)
        .join(LendingSlot, LendingSlot.request_id == LendingRequest.id)
        .where(LendingRequest.state != "cancelled", LendingSlot.starts_at <= local_now,
               LendingRequest.id.not_in(booked)))
    wanted, in_release = set(coop_ids), set(weeks)
    minutes: dict[tuple[int, str], int] = defaultdict(int)
    for coop_id, starts, ends in rows:
        week = iso_week(starts.date())
        if coop_id in wanted and week in in_release:
            minutes[(coop_id, week)] += int((ends - starts).total_seconds() // 60)
    return [(coop_id, week, "hours_unfilled", "", "", value)
            for (coop_id, week), value in sorted(minutes.items()) if value > 0]

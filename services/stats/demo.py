"""Demo statistics: enough co-ops and history for a release with shown and suppressed cells.

The four demo co-ops opt in and send a year of rollups computed from their own demo
workspaces. Four co-ops are too few for rule 3 (at least five per cell), so twelve more,
clearly named "Demo statistics co-op …", are registered across Gwent RPB through the
normal request and provisioning path, opt in, and send a year of generated weekly
rollups through the same handler as real ones. Five of them publish an entry in the
public directory, so they are named and rule 3 leaves them out; the other seven worker
co-ops (and the foster co-op among the four) are not, so rule 3 still protects them:
the release shows both rules at work (issue 13). Then a release is published.
Idempotent: running it again adds nothing.
"""

from __future__ import annotations

import random
from datetime import date

from flask import current_app
from sqlalchemy import select

from core.db import db
from core.jobs import enqueue_after_commit
from services.directory import service as directory
from services.stats import publish, rollups, tasks
from services.stats.cells import BREAKDOWNS
from services.stats.models import StatsRelease
from tenants.provisioning import provision_unfinished, request_coop
from tenants.registry.models import Coop, CoopState
from tenants.registry.service import set_sharing, verify_for_statistics
from tenants.stats import service as tenant_stats

DEMO_COOPS = (  # (slug, LA in Gwent, type, typical weekly clients)
    ("demo-stats-newport-1", "W06000022", "worker", 24),
    ("demo-stats-newport-2", "W06000022", "user_led", 12),
    ("demo-stats-caerphilly-1", "W06000018", "worker", 18),
    ("demo-stats-caerphilly-2", "W06000018", "dp_pool", 9),
    ("demo-stats-torfaen", "W06000020", "worker", 15),
    ("demo-stats-monmouthshire", "W06000021", "multi_stakeholder", 20),
    ("demo-stats-blaenau-gwent-1", "W06000019", "worker", 11),
    ("demo-stats-blaenau-gwent-2", "W06000019", "community", 6),
    ("demo-stats-newport-3", "W06000022", "worker", 14),
    ("demo-stats-caerphilly-3", "W06000018", "worker", 16),
    ("demo-stats-torfaen-2", "W06000020", "worker", 13),
    ("demo-stats-monmouthshire-2", "W06000021", "worker", 12),
)
# The demo co-ops that publish a directory entry, and what it says.
NAMED = {
    "demo-stats-newport-2": ("Support planned and run by the people who use it", "W06000022",
                             "some_welsh", True),
    "demo-stats-caerphilly-2": ("Personal assistants for people with Direct Payments",
                                "W06000018 W06000016", "active_offer", True),
    "demo-stats-monmouthshire": ("Care at home and companionship", "W06000021 W06000020",
                                 "some_welsh", False),
    "demo-stats-blaenau-gwent-2": ("Community support and day opportunities", "W06000019",
                                   "english_only", True),
    "demo-stats-monmouthshire-2": ("Care at home, including overnight care", "W06000021",
                                   "active_offer", True),
}
FOUR = ("gofal-gwynedd", "cardiff-dp-circle", "powys-elders", "caerphilly-foster")
WEEKS = 52


def seed(today: date) -> list[tuple[str, str]]:
    """Opt the demo co-ops in, give every one a year of rollups, and publish a release."""
    drain = current_app.extensions["coopfed.jobs"].drain
    for slug, la, coop_type, _ in DEMO_COOPS:
        if db.session.scalar(select(Coop.id).where(Coop.slug == slug)) is None:
            number = slug.removeprefix("demo-stats-").replace("-", " ").title()
            request_coop({"slug": slug, "name": f"Demo statistics co-op {number}",
                          "type": coop_type, "la": la}, admin_account_id=None)
    db.session.commit()
    provision_unfinished()  # queued again if a busy machine made a job lose its turn
    slugs = [s for s, *_ in DEMO_COOPS] + list(FOUR)
    coops = db.session.scalars(select(Coop).where(Coop.slug.in_(slugs),
                                                  Coop.state == CoopState.ACTIVE)).all()
    for coop in coops:
        if not coop.shares_statistics:
            set_sharing(coop.id, actor_account_id=None, shares_statistics=True)
        # The demo's co-ops stand in for real ones a federation admin has checked.
        verify_for_statistics(coop.id, actor_account_id=None)
        if coop.slug in NAMED and directory.listing_for(coop.id)[0] is None:
            services, areas, offer, taking = NAMED[coop.slug]
            directory.do_save_listing(coop.id, {
                "publish": "yes", "la_codes": areas.split(), "services": services,
                "welsh_offer": offer, "taking_new_people": "yes" if taking else "no",
                "ciw_service_id": f"SIN-{coop.id:08d}-DEMO"}, actor_account_id=None)
    db.session.commit()
    weeks = tenant_stats.complete_weeks(today, WEEKS)
    by_slug = {c.slug: c.id for c in coops}
    for slug, _, _, size in DEMO_COOPS:
        if slug in by_slug:
            _generated_history(by_slug[slug], weeks, size)
    db.session.commit()
    for slug in FOUR:
        if slug in by_slug:
            enqueue_after_commit(db.session, tasks.ROLLUP_JOB, by_slug[slug],
                                 job_id=f"stats-rollup-{by_slug[slug]}")
    db.session.commit()
    drain()  # the four co-ops' rollup jobs, then their relays
    drain()
    if db.session.scalar(select(StatsRelease.id).where(
            StatsRelease.status == "published")) is None:
        publish.request_release()
        db.session.commit()
        drain()
    return []


def _generated_history(coop_id: int, weeks: list[str], size: int) -> None:
    """Store a year of generated weekly figures for one demo co-op, through the handler."""
    for week, rows in history_rows(coop_id, weeks, size).items():
        rollups.store_week(coop_id, {"week": week, "revision": 1, "rows": rows})


def history_rows(coop_id: int, weeks: list[str], size: int) -> dict[str, list[list]]:
    """A year of plausible weekly figures for one demo co-op, the same on every run."""
    rng = random.Random(coop_id * 7919 + size)
    ages = BREAKDOWNS["age_band"]
    age_mix = [rng.random() ** 2 + 0.05 for _ in ages]
    funding = BREAKDOWNS["funding_source"]
    fund_mix = [rng.random() ** 2 + 0.05 for _ in funding]
    workers = max(2, size // 2)
    out = {}
    for week in weeks:
        clients = max(1, size + rng.randint(-2, 2))
        minutes = rng.randint(90, 300)
        rows = [["clients", "", "", clients], ["care_hours", "", "", clients * minutes],
                ["visits", "", "", clients * 4], ["workers", "", "", workers],
                ["members", "", "", workers + clients // 2],
                ["hours_lent_in", "", "", 0], ["hours_lent_out", "", "", 0],
                ["staff_lent_in", "", "", 0], ["staff_lent_out", "", "", 0]]
        welsh = sum(rng.random() < 0.25 for _ in range(clients))
        splits = {"age_band": _split(rng, clients, ages, age_mix),
                  "funding_source": _split(rng, clients, funding, fund_mix),
                  "language": {"cy": welsh, "en": clients - welsh}}
        for breakdown, counts in splits.items():
            for category, n in counts.items():
                if n:
                    rows += [["clients", breakdown, category, n],
                             ["care_hours", breakdown, category, n * minutes],
                             ["visits", breakdown, category, n * 4]]
        for need in BREAKDOWNS["need_type"]:
            n = sum(rng.random() < 0.3 for _ in range(clients))
            if n:
                rows.append(["clients", "need_type", need, n])
        cy_workers = workers // 3
        rows += [["workers", "language", "cy", cy_workers],
                 ["workers", "language", "en", workers - cy_workers]]
        welsh_minutes = welsh * minutes
        rows += [["hours_unfilled", "", "", rng.randint(0, 4) * 60],
                 ["welsh_hours_required", "", "", welsh_minutes],
                 ["welsh_hours_delivered", "", "", welsh_minutes * rng.randint(5, 10) // 10],
                 ["workers_joined", "", "", int(rng.random() < 0.15)]]
        out[week] = [r for r in rows if r[1] == "" or r[3]]
    return out


def _split(rng: random.Random, total: int, cats, mix) -> dict[str, int]:
    out = dict.fromkeys(cats, 0)
    for _ in range(total):
        out[rng.choices(cats, weights=mix)[0]] += 1
    return out

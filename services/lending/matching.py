"""Matching a lending request to pooled workers: hard rules, then a ranking with reasons.

Speed: a pool of 30,000 is first cut down in SQL by what columns can decide (skills by
bit mask, Welsh, check dates, the days of the week they are available, an area box
and the home co-op being in the pool). The short list is ranked in memory, and the
exact rules (DESIGN §3.3) then run on it in rank order only until enough pass, reading
the committed time of a few dozen workers at a time.

The exact rules reuse the pure working-time rules of ``tenants.rota.rules``; the
worker's committed time counts their home co-op's visits *and* every slot they are
lent for elsewhere, because the 48 hours count every employer together.

Two rules follow the borrower, not the lender (issue 11). Social Care Wales registration
is needed only for the engagements the borrower's registered services require it for
(``Need.scw_engagements``, from the rule set). And the borrower cannot rely on the lender's
DBS certificate: a worker not on the Update Service needs the borrower's own DBS
application, so they are offered only for slots at least the rule set's typical
turnaround after ``Need.offered_on`` (rule ``dbs_own_application``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_, select, true

from core.db import db
from core.timeutil import local_now
from services.lending.models import (
    BOOKED_STATES,
    LedgerEntry,
    LendingAgreement,
    LendingSlot,
)
from services.pool.areas import bounding_box, haversine_km
from services.pool.models import PoolProfile, PoolShift
from tenants.registry.models import Coop, CoopState
from tenants.rota import rules
from tenants.rules.engine import default_ruleset

#: Every hard rule, in the order a refusal reports them.
RULES = ("checks", "dbs_turnaround", "registration", "skills", "welsh", "travel",
         "availability", "double_booking", "rest_11h", "max_48h", "break_20m")
BATCH = 15
#: Kilometres per degree of latitude; the SQL distance cut is equirectangular, with a
#: margin, and the exact great-circle distance is decided in Python.
KM_PER_DEGREE = 111.2
SQL_DISTANCE_MARGIN = 1.03
FAIRNESS_DAYS = 90
#: Ranking weights: continuity dominates; then a km of travel, an hour of reciprocity
#: balance and a recent loan are traded against each other.
CONTINUITY_POINTS = 1000.0
KM_POINTS = 1.0
RECIPROCITY_POINTS_PER_HOUR = 0.5
RECIPROCITY_CAP_HOURS = 40
RECENT_LEND_POINTS = 3.0
#: "Please not ‹name›" from the person cared for outweighs every other reason: such a
#: worker still passes the rules but is ranked after everyone else (issue 12).
AVOID_POINTS = 100 * CONTINUITY_POINTS

#: What ranking needs: light columns only (no JSON to decode for thousands of rows).
RANK_COLUMNS = (PoolProfile.id, PoolProfile.coop_id, PoolProfile.worker_ref, PoolProfile.lat,
                PoolProfile.lon, PoolProfile.travel_radius_km)
PROFILE_COLUMNS = (
    PoolProfile.id, PoolProfile.coop_id, PoolProfile.worker_ref, PoolProfile.account_id,
    PoolProfile.skills_mask, PoolProfile.welsh_level, PoolProfile.la_code, PoolProfile.lat,
    PoolProfile.lon, PoolProfile.travel_radius_km, PoolProfile.dbs_valid_from,
    PoolProfile.dbs_valid_until, PoolProfile.scw_status, PoolProfile.scw_valid_until,
    PoolProfile.wt_opt_out, PoolProfile.availability, PoolProfile.available_days,
    PoolProfile.engagement, PoolProfile.dbs_update_service)


@dataclass(frozen=True)
class Need:
    """What the borrower asks for: the request, as the matcher reads it."""

    borrower_coop_id: int
    lat: float
    lon: float
    skills_mask: int
    welsh_required: bool
    slots: tuple[rules.Shift, ...]
    continuity_refs: frozenset[str] = frozenset()
    exclude_refs: frozenset[str] = frozenset()
    avoid_refs: frozenset[str] = frozenset()
    #: Engagements the borrower's rules need Social Care Wales registration for; None
    #: (not known) means every engagement the rule can cover.
    scw_engagements: frozenset[str] | None = None
    #: The day an offer is (or was) made: the DBS turnaround counts from it. None: today.
    offered_on: date | None = None


def scw_engagements_for(facts, day: date) -> frozenset[str]:
    """The engagements a borrower with these facts needs registration for on ``day``."""
    from tenants.workforce.models import ENGAGEMENTS

    return frozenset(e for e in ENGAGEMENTS
                     if default_ruleset().applies("scw_registration", facts, e, day))


def scw_needed(need: Need) -> frozenset[str]:
    """The engagements that need Social Care Wales registration for this request."""
    if need.scw_engagements is not None:
        return need.scw_engagements
    return default_ruleset()["scw_registration"].applies.engagements or frozenset()


def turnaround_days() -> int:
    """Days a borrower's own DBS application typically takes (rule ``dbs_own_application``)."""
    return int(default_ruleset()["dbs_own_application"].params["turnaround_days"])


def earliest_without_update_service(offered_on: date) -> date:
    """The first day a worker not on the Update Service may be lent, offered on ``offered_on``."""
    return offered_on + timedelta(days=turnaround_days())


@dataclass
class Candidate:
    """A worker who passes every hard rule, with the reasons for their place."""

    profile_id: int
    worker_ref: str
    coop_id: int
    account_id: int | None
    welsh_level: str
    score: float
    reasons: dict = field(default_factory=dict)


# -- the exact rules, on one profile ------------------------------------------------------------


def _hm(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def available(profile, slot: rules.Shift) -> bool:
    """True when the slot (travel included) falls inside one availability window."""
    if slot.work_start.date() != slot.end.date() and slot.end.time() != time():
        return False
    day = slot.work_start.weekday()
    end = time(23, 59, 59) if slot.end.time() == time() else slot.end.time()
    return any(weekday == day and _hm(start) <= slot.work_start.time() and end <= _hm(stop)
               for weekday, start, stop in profile.availability)


def checks_fail(profile, day: date) -> bool:
    """DBS: a certificate dated on or before the day, not past its last valid day."""
    return (profile.dbs_valid_from is None or profile.dbs_valid_from > day
            or (profile.dbs_valid_until is not None and day > profile.dbs_valid_until))


def registration_fails(profile, day: date, needed: frozenset[str] | None = None) -> bool:
    """Social Care Wales, where the borrower's rules need it for the worker's engagement:
    registered (or a new starter in their six months) on the day."""
    if needed is not None and (getattr(profile, "engagement", None) or "employee") not in needed:
        return False
    return (profile.scw_status == "unregistered" or profile.scw_valid_until is None
            or day > profile.scw_valid_until)


def turnaround_fails(profile, need: Need, today: date) -> bool:
    """Not on the Update Service, and a slot sooner than the borrower's own DBS check."""
    if getattr(profile, "dbs_update_service", False):
        return False
    earliest = earliest_without_update_service(need.offered_on or today)
    return any(s.start.date() < earliest for s in need.slots)


def eligibility_failures(profile, need: Need, today: date | None = None) -> list[str]:
    """The rules that need nothing but the profile: checks, the DBS turnaround,
    registration, skills, Welsh, travel and availability."""
    failed = []
    days = {s.start.date() for s in need.slots}
    if any(checks_fail(profile, d) for d in days):
        failed.append("checks")
    if turnaround_fails(profile, need, today or local_now().date()):
        failed.append("dbs_turnaround")
    needed = scw_needed(need)
    if any(registration_fails(profile, d, needed) for d in days):
        failed.append("registration")
    if profile.skills_mask & need.skills_mask != need.skills_mask:
        failed.append("skills")
    if need.welsh_required and profile.welsh_level not in rules.WELSH_SPEAKING:
        failed.append("welsh")
    if haversine_km(profile.lat, profile.lon, need.lat, need.lon) > profile.travel_radius_km:
        failed.append("travel")
    if not all(available(profile, s) for s in need.slots):
        failed.append("availability")
    return failed


def working_time_failures(profile, need: Need, busy: list[rules.Shift]) -> list[str]:
    """Working-time rules across every employer: the slots against the committed time."""
    working: set[str] = set()
    for i, slot in enumerate(need.slots):
        others = [*busy, *need.slots[:i], *need.slots[i + 1:]]
        working.update(rules.working_time_failures(others, slot, opted_out=profile.wt_opt_out))
    return [code for code in RULES if code in working]


def failed_rules(profile, need: Need, busy: list[rules.Shift],
                 today: date | None = None) -> list[str]:
    """Every hard rule the profile fails for the request, in ``RULES`` order."""
    return (eligibility_failures(profile, need, today)
            + working_time_failures(profile, need, busy))


# -- reading the pool --------------------------------------------------------------------------


def rule_window(slots) -> tuple[datetime, datetime]:
    """Committed time that can matter: the 17-week reference period, to the end of the week.

    The window runs to whichever is later: a day after the last slot ends (rest and breaks
    look across midnight) or the end of the week the last slot starts in, because shifts
    later in that week count towards its 48 hours just as much as earlier ones.
    """
    first = min(s.start for s in slots)
    last_end = max(s.end for s in slots)
    last_start = max(s.start for s in slots)
    monday = datetime.combine(rules.week_start(first.date()), time())
    week_after = datetime.combine(rules.week_start(last_start.date()), time()) + timedelta(days=8)
    return (monday - timedelta(weeks=rules.REFERENCE_WEEKS - 1, days=1),
            max(last_end + timedelta(days=1), week_after))


def busy_by_ref(profiles, start: datetime, end: datetime) -> dict[str, list[rules.Shift]]:
    """Each profile's committed time in [start, end): home visits and confirmed loans.

    Profiles of one person (the same account, pooled by two co-ops) share their time.
    """
    by_id = {p.id: p for p in profiles}
    refs = {p.worker_ref for p in profiles}
    accounts = {p.account_id for p in profiles if p.account_id is not None}
    siblings: dict[int, list] = defaultdict(list)
    if accounts:
        for row in db.session.execute(select(PoolProfile.id, PoolProfile.worker_ref,
                                             PoolProfile.account_id).where(
                PoolProfile.account_id.in_(accounts))):
            siblings[row.account_id].append(row)
            by_id.setdefault(row.id, row)
            refs.add(row.worker_ref)
    own: dict[str, list[rules.Shift]] = defaultdict(list)
    ref_of = {pid: p.worker_ref for pid, p in by_id.items()}
    for row in db.session.execute(select(PoolShift.profile_id, PoolShift.starts_at,
                                         PoolShift.ends_at, PoolShift.travel_minutes).where(
            PoolShift.profile_id.in_(list(by_id)), PoolShift.starts_at >= start,
            PoolShift.starts_at < end)):
        own[ref_of[row.profile_id]].append(rules.Shift(row.starts_at, row.ends_at,
                                                       row.travel_minutes))
    for row in db.session.execute(select(LendingAgreement.worker_ref, LendingSlot.starts_at,
                                         LendingSlot.ends_at, LendingSlot.travel_minutes)
                                  .join(LendingSlot, LendingSlot.request_id
                                        == LendingAgreement.request_id)
                                  .where(LendingAgreement.worker_ref.in_(refs),
                                         LendingAgreement.state.in_(BOOKED_STATES),
                                         LendingSlot.starts_at >= start,
                                         LendingSlot.starts_at < end)):
        own[row.worker_ref].append(rules.Shift(row.starts_at, row.ends_at, row.travel_minutes))
    found: dict[str, list[rules.Shift]] = {}
    for p in profiles:
        people = siblings.get(p.account_id) if p.account_id is not None else None
        mates = {r.worker_ref for r in people} if people else {p.worker_ref}
        found[p.worker_ref] = [s for ref in mates for s in own.get(ref, ())]
    return found


def _prefilter(need: Need, today: date):
    days = {s.start.date() for s in need.slots}
    first, last = min(days), max(days)
    needed = sorted(scw_needed(need))
    registered = and_(PoolProfile.scw_status != "unregistered",
                      PoolProfile.scw_valid_until >= last)
    weekdays = 0
    for day in days:
        weekdays |= 1 << day.weekday()
    widest = db.session.scalar(select(func.max(PoolProfile.travel_radius_km))) or 0
    min_lat, max_lat, min_lon, max_lon = bounding_box(need.lat, need.lon, widest)
    dlat = (PoolProfile.lat - need.lat) * KM_PER_DEGREE
    dlon = (PoolProfile.lon - need.lon) * (KM_PER_DEGREE * math.cos(math.radians(need.lat)))
    reach = PoolProfile.travel_radius_km * SQL_DISTANCE_MARGIN + 1
    stmt = (select(*RANK_COLUMNS).where(
        PoolProfile.lat.between(min_lat, max_lat), PoolProfile.lon.between(min_lon, max_lon),
        dlat * dlat + dlon * dlon <= reach * reach,
        PoolProfile.coop_id != need.borrower_coop_id,
        PoolProfile.skills_mask.op("&")(need.skills_mask) == need.skills_mask,
        PoolProfile.available_days.op("&")(weekdays) == weekdays,
        PoolProfile.dbs_valid_from <= first,
        or_(PoolProfile.dbs_valid_until.is_(None), PoolProfile.dbs_valid_until >= last),
        or_(PoolProfile.engagement.not_in(needed), registered) if needed else true()))
    if first < earliest_without_update_service(need.offered_on or today):
        stmt = stmt.where(PoolProfile.dbs_update_service.is_(True))
    day_slots = [s for s in need.slots if s.work_start.date() == s.end.date()]
    if day_slots:
        earliest = min(s.work_start.hour * 60 + s.work_start.minute for s in day_slots)
        latest = max(s.end.hour * 60 + s.end.minute for s in day_slots)
        stmt = stmt.where(PoolProfile.available_from_minute <= earliest,
                          PoolProfile.available_until_minute >= latest)
    if need.welsh_required:
        stmt = stmt.where(PoolProfile.welsh_level.in_(sorted(rules.WELSH_SPEAKING)))
    if need.exclude_refs:
        stmt = stmt.where(PoolProfile.worker_ref.not_in(list(need.exclude_refs)))
    return db.session.execute(stmt).all()


def reciprocity_hours(borrower_coop_id: int) -> dict[int, Decimal]:
    """Per other co-op: hours the borrower lent it minus hours it lent the borrower.

    Positive means the other co-op owes the borrower time, so its workers rank higher.
    """
    balance: dict[int, Decimal] = defaultdict(Decimal)
    for lender, borrower, minutes in db.session.execute(
            select(LedgerEntry.lender_coop_id, LedgerEntry.borrower_coop_id,
                   func.sum(LedgerEntry.minutes))
            .where(or_(LedgerEntry.lender_coop_id == borrower_coop_id,
                       LedgerEntry.borrower_coop_id == borrower_coop_id))
            .group_by(LedgerEntry.lender_coop_id, LedgerEntry.borrower_coop_id)):
        hours = Decimal(int(minutes)) / 60
        if lender == borrower_coop_id:
            balance[borrower] += hours
        else:
            balance[lender] -= hours
    return balance


def recent_lends(since: datetime) -> dict[str, int]:
    """Confirmed or completed loans per worker ref since ``since`` (fairness)."""
    return dict(db.session.execute(
        select(LendingAgreement.worker_ref, func.count())
        .where(LendingAgreement.state.in_(BOOKED_STATES), LendingAgreement.updated_at >= since)
        .group_by(LendingAgreement.worker_ref)).all())


@dataclass(frozen=True)
class _Ranked:
    score: float
    km: float
    owed: float
    recent: int
    row: object

    def reasons(self, continuity: bool, asked_not: bool = False) -> dict:
        return {"continuity": continuity, "distance_km": round(self.km, 1),
                "reciprocity_hours": round(self.owed, 2), "recent_lends": self.recent,
                "asked_not": asked_not}


def _rank(need: Need, rows, now: datetime) -> list[_Ranked]:
    """Score every prefiltered worker inside their radius, best first (ties by ref)."""
    balance = {coop: float(max(min(hours, RECIPROCITY_CAP_HOURS), -RECIPROCITY_CAP_HOURS))
               for coop, hours in reciprocity_hours(need.borrower_coop_id).items()}
    lends = recent_lends(now - timedelta(days=FAIRNESS_DAYS))
    lat, lon, continuity = need.lat, need.lon, need.continuity_refs
    # Co-ops with profiles that may not lend now (left the pool, suspended): a short list,
    # read apart. Joined in SQL, the planner would walk the registry and every profile of
    # each co-op instead of the area index.
    blocked = set(db.session.scalars(select(Coop.id).where(
        Coop.id.in_(select(PoolProfile.coop_id).distinct()),
        or_(Coop.joins_worker_pool.is_not(True), Coop.state != CoopState.ACTIVE))))
    ranked = []
    distances: dict[tuple[float, float], float] = {}  # profiles share area centroids
    for row in rows:
        if row.coop_id in blocked:
            continue
        point = (row.lat, row.lon)
        km = distances.get(point)
        if km is None:
            km = distances[point] = haversine_km(row.lat, row.lon, lat, lon)
        if km > row.travel_radius_km:
            continue
        owed = balance.get(row.coop_id, 0.0)
        recent = lends.get(row.worker_ref, 0)
        score = (CONTINUITY_POINTS * (row.worker_ref in continuity) - KM_POINTS * km
                 + RECIPROCITY_POINTS_PER_HOUR * owed - RECENT_LEND_POINTS * recent
                 - AVOID_POINTS * (row.worker_ref in need.avoid_refs))
        ranked.append(_Ranked(score, km, owed, recent, row))
    ranked.sort(key=lambda item: (-item.score, item.row.worker_ref))
    return ranked


def _batches(items: list, first: int = BATCH):
    """Growing slices: most requests fill from the first few, a hard one reads more at once."""
    offset, size = 0, first
    while offset < len(items):
        yield items[offset:offset + size]
        offset, size = offset + size, size * 3


def find_candidates(need: Need, limit: int = 5, now: datetime | None = None) -> list[Candidate]:
    """The best ``limit`` workers who pass every hard rule, best first, with reasons."""
    if not need.slots:
        return []
    now = now or datetime.now()
    ranked = _rank(need, _prefilter(need, now.date()), now)
    start, end = rule_window(need.slots)
    chosen: list[Candidate] = []
    for batch in _batches(ranked):
        rows = {r.id: r for r in db.session.execute(select(*PROFILE_COLUMNS).where(
            PoolProfile.id.in_([item.row.id for item in batch])))
            if not eligibility_failures(r, need, now.date())}
        busy = busy_by_ref(list(rows.values()), start, end) if rows else {}
        for item in batch:
            row = rows.get(item.row.id)
            if row is None or working_time_failures(row, need, busy[row.worker_ref]):
                continue
            chosen.append(Candidate(
                row.id, row.worker_ref, row.coop_id, row.account_id, row.welsh_level,
                round(item.score, 2), item.reasons(row.worker_ref in need.continuity_refs,
                                                   row.worker_ref in need.avoid_refs)))
            if len(chosen) == limit:
                return chosen
    return chosen


def profile_failures(profile_id: int, need: Need, today: date | None = None) -> list[str]:
    """The hard rules one profile fails now (used again at approval and confirmation)."""
    row = db.session.execute(select(*PROFILE_COLUMNS).where(
        PoolProfile.id == profile_id)).first()
    if row is None:
        return ["withdrawn"]
    start, end = rule_window(need.slots)
    return failed_rules(row, need, busy_by_ref([row], start, end)[row.worker_ref], today)


def need_of(request, *, exclude_refs=(), offered_on: date | None = None) -> Need:
    """A stored request as the matcher reads it (``offered_on``: when an existing offer
    was made, so re-checking it later keeps the DBS turnaround counted from then)."""
    return Need(borrower_coop_id=request.borrower_coop_id, lat=request.lat, lon=request.lon,
                skills_mask=request.skills_mask, welsh_required=request.welsh_required,
                slots=tuple(rules.Shift(s.starts_at, s.ends_at, s.travel_minutes)
                            for s in request.slots),
                continuity_refs=frozenset(request.continuity_refs or ()),
                exclude_refs=frozenset(exclude_refs),
                avoid_refs=frozenset(request.avoid_refs or ()),
                scw_engagements=(None if request.scw_engagements is None
                                 else frozenset(request.scw_engagements)),
                offered_on=offered_on)


__all__ = ["RULES", "Candidate", "Need", "failed_rules", "find_candidates",
           "need_of", "profile_failures"]


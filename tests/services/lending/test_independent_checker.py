"""The must-show: 1,000 random scenarios, every match re-checked independently, 0 violations.

A random pool (profiles with random skills, Welsh, areas, radii, check dates, Social
Care Wales status, availability, committed home shifts and confirmed loans elsewhere)
is written straight into a fresh federation store. Each scenario is a random request;
every candidate the matcher returns is re-checked by ``independent_rules`` against the
raw rows. The checker is also shown to bite: across the pool, each rule rejects someone,
and where it finds k eligible workers the matcher returns min(k, 5).

DBS validity across employers (issue 11): a worker off the Update Service is never matched
sooner than the borrower's own DBS check takes, and for a sample of matches the borrower's
recorded evidence (random, often wrong) is judged by the confirmation gate and by the
independent checker alike; the lender's DBS dates never count for the borrower.

Nothing depends on the day the test runs: every date is relative to ``TODAY``, a fixed
day; the matcher is given ``NOW`` and the checks' recording ``TODAY`` (a scenario once
failed only on some dates). Checked by running it under faketime, years apart.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from core.db import db
from core.errors import ValidationError
from services.lending import compliance, matching
from services.lending.compliance_models import ComplianceRecord, DbsShare
from services.lending.models import LendingAgreement, LendingRequest, LendingSlot
from services.pool.areas import centroids
from services.pool.models import PoolProfile, PoolShift, skills_mask
from tenants.registry.models import Coop
from tenants.rota.rules import Shift
from tenants.vocabulary import SKILLS
from tests.fixtures.factories import unique
from tests.services.lending import independent_rules

SCENARIOS = 1000
PROFILES = 240
COOPS = 6
SEED = 20261126
FEW_SKILLS = list(SKILLS)[:5]  # a small vocabulary, so requests often match
#: The scenarios' own "today" (a Thursday), long past, so every check date is in the past.
TODAY = date(2025, 3, 6)
NOW = datetime.combine(TODAY, time(8))
ENGAGEMENTS = ("employee", "dp_pa", "self_employed", "volunteer")
#: What the borrower's registered services need Social Care Wales registration for:
#: not known, none (no registered service), or every paid engagement.
SCW_NEEDS = (None, (), ("employee", "dp_pa", "self_employed"))
DBS_SAMPLES = 200


def _random_profile(rng: random.Random, coop_id: int, today: date) -> dict:
    la = rng.choice(list(centroids()))
    lat, lon = centroids()[la]
    days = rng.sample(range(7), rng.randint(3, 7))
    skills = sorted(rng.sample(FEW_SKILLS, rng.randint(1, 4)))
    scw = rng.choices(["registered", "new_starter", "unregistered"], [8, 2, 1])[0]
    windows = [[d, f"{rng.randint(6, 10):02d}:00", f"{rng.randint(15, 22):02d}:00"]
               for d in sorted(days)]
    return dict(
        coop_id=coop_id, worker_ref=unique("ref")[:36].ljust(36, "x"), skills=skills,
        skills_mask=skills_mask(skills),
        welsh_level=rng.choice(["none", "learner", "conversational", "fluent"]),
        la_code=la, lat=lat, lon=lon, travel_radius_km=rng.choice([5, 20, 40, 60, 90, 150]),
        dbs_valid_from=today - timedelta(days=rng.randint(-20, 900)),
        dbs_valid_until=rng.choice([None, today + timedelta(days=rng.randint(-10, 60))]),
        scw_status=scw, scw_valid_until=today + timedelta(days=rng.randint(-5, 60)),
        wt_opt_out=rng.random() < 0.2, engagement=rng.choices(ENGAGEMENTS, [6, 2, 1, 1])[0],
        dbs_update_service=rng.random() < 0.7,
        availability=windows, available_days=sum(1 << d for d in days),
        available_from_minute=min(int(w[1][:2]) * 60 for w in windows),
        available_until_minute=max(int(w[2][:2]) * 60 for w in windows))


def _random_shifts(rng: random.Random, start: date) -> list[tuple[datetime, datetime, int]]:
    """Home shifts over eight weeks, some heavy weeks, some late evenings."""
    shifts = []
    for offset in range(56):
        if rng.random() < 0.55:
            day = start + timedelta(days=offset)
            begin = datetime.combine(day, time(rng.randint(6, 18), rng.choice([0, 30])))
            length = timedelta(minutes=rng.choice([60, 120, 240, 360, 480, 600]))
            shifts.append((begin, begin + length, rng.choice([0, 15, 30])))
    return shifts


def _seed(rng: random.Random, today: date):
    coops = []
    for i in range(COOPS):
        coop = Coop(slug=unique("chk")[:40], name=f"Checker {i}", coop_type="worker",
                    la_code=rng.choice(list(centroids())), state="active",
                    joins_worker_pool=True)
        db.session.add(coop)
        coops.append(coop)
    db.session.flush()
    window = today - timedelta(days=7)
    for _ in range(PROFILES):
        profile = PoolProfile(**_random_profile(rng, rng.choice(coops).id, today))
        db.session.add(profile)
        db.session.flush()
        for begin, end, travel in _random_shifts(rng, window):
            db.session.add(PoolShift(profile_id=profile.id, starts_at=begin, ends_at=end,
                                     travel_minutes=travel))
        if rng.random() < 0.25:  # a confirmed loan elsewhere, counted as committed time
            borrower = rng.choice([c for c in coops if c.id != profile.coop_id])
            day = today + timedelta(days=rng.randint(3, 20))
            begin = datetime.combine(day, time(rng.randint(7, 17)))
            request = LendingRequest(
                borrower_coop_id=borrower.id, la_code=borrower.la_code, lat=0, lon=0,
                rate=Decimal("12.00"), state="filled",
                slots=[LendingSlot(starts_at=begin, ends_at=begin + timedelta(hours=4))])
            db.session.add(request)
            db.session.flush()
            db.session.add(LendingAgreement(
                request_id=request.id, borrower_coop_id=borrower.id,
                lender_coop_id=profile.coop_id, profile_id=profile.id,
                worker_ref=profile.worker_ref, rate=Decimal("12.00"), state="confirmed",
                created_at=NOW, updated_at=NOW))
    db.session.commit()
    return [c.id for c in coops]


def _random_request(rng: random.Random, coop_ids, today: date) -> dict:
    la = rng.choice(list(centroids()))
    day = today + timedelta(days=rng.randint(2, 45))
    slots = []
    begin = datetime.combine(day, time(rng.randint(6, 16), rng.choice([0, 30])))
    for _ in range(rng.randint(1, 3)):
        end = begin + timedelta(minutes=rng.choice([60, 90, 180, 300, 420]))
        slots.append((begin, end, rng.choice([0, 0, 20])))
        begin = end + timedelta(minutes=rng.choice([10, 30, 120, 600, 1440]))
    lat, lon = centroids()[la]
    return {"borrower": rng.choice(coop_ids), "lat": lat, "lon": lon,
            "skills": sorted(rng.sample(FEW_SKILLS, rng.randint(0, 2))),
            "welsh": rng.random() < 0.3, "slots": slots, "offered_on": today,
            "scw_engagements": rng.choice(SCW_NEEDS)}


def _raw_pool():
    """Every profile as a dict of raw columns, and each ref's committed time, read anew."""
    profiles = {}
    for row in db.session.execute(select(PoolProfile.__table__)).mappings():
        profiles[row["id"]] = dict(row)
    busy = defaultdict(list)
    for row in db.session.execute(select(PoolShift.__table__)).mappings():
        ref = profiles[row["profile_id"]]["worker_ref"]
        busy[ref].append((row["starts_at"], row["ends_at"], row["travel_minutes"]))
    for ref, start, end, travel in db.session.execute(
            select(LendingAgreement.worker_ref, LendingSlot.starts_at, LendingSlot.ends_at,
                   LendingSlot.travel_minutes)
            .join(LendingSlot, LendingSlot.request_id == LendingAgreement.request_id)
            .where(LendingAgreement.state.in_(("confirmed", "completed")))):
        busy[ref].append((start, end, travel))
    return profiles, busy


def test_every_match_in_1000_random_scenarios_passes_every_rule(isolated_app):
    app = isolated_app()
    rng = random.Random(SEED)
    today = TODAY
    with app.app_context():
        coop_ids = _seed(rng, today)
        profiles, busy = _raw_pool()
        by_ref = {p["worker_ref"]: p for p in profiles.values()}
        violations: Counter = Counter()
        bites: Counter = Counter()
        matched = 0
        samples: list = []
        for index in range(SCENARIOS):
            request = _random_request(rng, coop_ids, today)
            need = matching.Need(
                borrower_coop_id=request["borrower"], lat=request["lat"], lon=request["lon"],
                skills_mask=skills_mask(request["skills"]), welsh_required=request["welsh"],
                slots=tuple(Shift(s, e, t) for s, e, t in request["slots"]),
                scw_engagements=(None if request["scw_engagements"] is None
                                 else frozenset(request["scw_engagements"])),
                offered_on=request["offered_on"])
            found = matching.find_candidates(need, limit=5, now=NOW)
            assert len({c.worker_ref for c in found}) == len(found)
            for candidate in found:
                matched += 1
                profile = by_ref[candidate.worker_ref]
                assert profile["coop_id"] != request["borrower"]
                for code in independent_rules.violations(profile, request,
                                                         busy[candidate.worker_ref]):
                    violations[code] += 1
            if index < 150:  # the checker bites, and the matcher misses nobody
                eligible = 0
                for profile in profiles.values():
                    if profile["coop_id"] == request["borrower"]:
                        continue
                    failed = independent_rules.violations(profile, request,
                                                          busy[profile["worker_ref"]])
                    bites.update(failed)
                    eligible += not failed
                assert len(found) == min(eligible, 5), (index, eligible, len(found))
            if found and len(samples) < DBS_SAMPLES:
                samples.append((request, by_ref[found[0].worker_ref]))
        assert violations == Counter(), violations
        assert matched >= SCENARIOS  # the scenarios do produce matches to check
        for rule in matching.RULES:
            assert bites[rule] > 0, f"no scenario exercised {rule}"
        outcomes = _dbs_across_employers(rng, samples)
        assert outcomes["disagree"] == 0, outcomes
        # Both outcomes happen, for both kinds of worker: the comparison can fail.
        assert min(outcomes[k] for k in ("update_ok", "update_missing", "own_ok",
                                         "own_missing")) > 0, outcomes


def _random_evidence(rng: random.Random, agreement, profile, first: date) -> int:
    """The borrower (or, wrongly, the lender) records random DBS evidence; some of it is
    refused, some is out of date. Returns the borrower's status-check interval."""
    check_days = rng.choice([30, 90, 365])
    if profile["dbs_update_service"] and rng.random() < 0.8 \
            and compliance.live_share(agreement) is None:
        db.session.add(DbsShare(worker_ref=agreement.worker_ref,
                                borrower_coop_id=agreement.borrower_coop_id,
                                certificate_number="001234567890", consented_at=NOW))
        db.session.flush()
    for _ in range(rng.randint(0, 2)):
        recorder = rng.choices([agreement.borrower_coop_id, agreement.lender_coop_id],
                               [5, 1])[0]
        item = rng.choice(compliance.DBS_ITEMS)
        data = {"item": item, "checked_by": "Checker",
                "checked_on": first - timedelta(days=rng.choice([-3, 0, 1, 20, 200, 1200])),
                "result": (rng.choices(["no_change", "new_information"], [4, 1])[0]
                           if item == "dbs_status_check" else None)}
        try:
            with db.session.begin_nested():
                compliance.check_record(agreement.id, recorder, data, actor=None,
                                        check_days=check_days, today=TODAY)
        except ValidationError:
            pass
    return check_days


def _dbs_across_employers(rng: random.Random, samples) -> Counter:
    """For sampled matches, the confirmation gate's DBS verdict against the independent one."""
    outcomes: Counter = Counter()
    for request, profile in samples:
        stored = LendingRequest(
            borrower_coop_id=request["borrower"], la_code="W06000001", lat=request["lat"],
            lon=request["lon"], rate=Decimal("12.00"), state="open",
            scw_engagements=(None if request["scw_engagements"] is None
                             else list(request["scw_engagements"])),
            slots=[LendingSlot(starts_at=s, ends_at=e, travel_minutes=t)
                   for s, e, t in request["slots"]])
        db.session.add(stored)
        db.session.flush()
        agreement = LendingAgreement(
            request_id=stored.id, borrower_coop_id=request["borrower"],
            lender_coop_id=profile["coop_id"], profile_id=profile["id"],
            worker_ref=profile["worker_ref"], rate=Decimal("12.00"), state="accepted",
            created_at=NOW, updated_at=NOW)
        db.session.add(agreement)
        db.session.flush()
        days = [s.date() for s, _e, _t in request["slots"]]
        check_days = _random_evidence(rng, agreement, profile, min(days))
        records = [dict(r) for r in db.session.execute(
            select(ComplianceRecord.__table__).where(
                ComplianceRecord.agreement_id == agreement.id)).mappings()]
        gate_ok = not set(compliance.DBS_ITEMS) & set(compliance.missing_items(agreement))
        ok = independent_rules.borrower_dbs_ok(profile, request["borrower"], days, records,
                                               check_days)
        kind = "update" if profile["dbs_update_service"] else "own"
        outcomes[f"{kind}_{'ok' if ok else 'missing'}"] += 1
        outcomes["disagree"] += gate_ok != ok
    db.session.commit()
    return outcomes

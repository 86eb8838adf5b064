"""A second, separately written implementation of the lending rules, for the checker.

It shares no code with ``services.lending.matching`` or ``tenants.rota.rules``: it reads
raw rows and re-derives every rule from DESIGN §2 and §3.3, in a different style (minutes
since an epoch, explicit loops), so a bug in the matcher is unlikely to be repeated here.
"""

from __future__ import annotations

import math
import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path

EPOCH = datetime(2000, 1, 3)  # a Monday
WELSH_OK = ("conversational", "fluent")
RULES_TOML = Path(__file__).parents[3] / "tenants" / "rules" / "data" / "rules.toml"


def _rule_params(code: str) -> dict:
    """A rule's params, read straight from the data file (not through the rules engine)."""
    data = tomllib.loads(RULES_TOML.read_text(encoding="utf-8"))
    return next(r for r in data["rule"] if r["code"] == code).get("params", {})


TURNAROUND_DAYS = _rule_params("dbs_own_application")["turnaround_days"]
VALID_YEARS = _rule_params("dbs_schedule1")["valid_years"]
#: Who the Social Care Wales rule can cover when the borrower's own list is not known.
SCW_ALL = ("employee", "dp_pa", "self_employed")


def minutes(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds() // 60)


def distance_km(lat1, lon1, lat2, lon2) -> float:
    radius = 6371.0088
    phi1, phi2 = lat1 * math.pi / 180, lat2 * math.pi / 180
    dphi = (lat2 - lat1) * math.pi / 180
    dlam = (lon2 - lon1) * math.pi / 180
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * radius * math.atan2(math.sqrt(h), math.sqrt(1 - h))


def _dbs_ok(p, day: date) -> bool:
    if p["dbs_valid_from"] is None or day < p["dbs_valid_from"]:
        return False
    return p["dbs_valid_until"] is None or day <= p["dbs_valid_until"]


def _scw_ok(p, day: date, needed) -> bool:
    if p["engagement"] not in (SCW_ALL if needed is None else needed):
        return True
    if p["scw_status"] not in ("registered", "new_starter"):
        return False
    return p["scw_valid_until"] is not None and day <= p["scw_valid_until"]


def _clock(text: str) -> int:
    hours, mins = text.split(":")
    return int(hours) * 60 + int(mins)


def _inside_window(p, start: datetime, end: datetime) -> bool:
    if start.date() != end.date():
        return False
    first, last = start.hour * 60 + start.minute, end.hour * 60 + end.minute
    return any(w[0] == start.weekday() and _clock(w[1]) <= first and last <= _clock(w[2])
               for w in p["availability"])


def _block_span(intervals, target, gap: int) -> int:
    """Length of the run of intervals (joined where less than ``gap`` apart) holding target."""
    ordered = sorted(intervals)
    block_start, block_end, holds = None, None, False
    for lo, hi, mark in ordered:
        if block_end is not None and lo - block_end < gap:
            block_end = max(block_end, hi)
            holds = holds or mark
            continue
        if holds:
            return block_end - block_start
        block_start, block_end, holds = lo, hi, mark
    return block_end - block_start if holds else 0


def violations(p, request, busy) -> list[str]:
    """Codes of the rules ``p`` breaks for ``request``.

    ``p``: a profile as a dict of raw columns; ``request``: dict with lat, lon, skills,
    welsh, slots [(start, end, travel)], ``offered_on`` (the day of the offer) and
    ``scw_engagements`` (None: not known); ``busy``: [(start, end, travel)] the worker has.
    """
    found = []
    days = {s[0].date() for s in request["slots"]}
    if not all(_dbs_ok(p, d) for d in days):
        found.append("checks")
    # The lender's certificate is not the borrower's evidence: off the Update Service, the
    # borrower's own DBS application must have time to come back before the first slot.
    if not p["dbs_update_service"] and \
            (min(days) - request["offered_on"]).days < TURNAROUND_DAYS:
        found.append("dbs_turnaround")
    if not all(_scw_ok(p, d, request["scw_engagements"]) for d in days):
        found.append("registration")
    if not set(request["skills"]).issubset(p["skills"]):
        found.append("skills")
    if request["welsh"] and p["welsh_level"] not in WELSH_OK:
        found.append("welsh")
    if distance_km(p["lat"], p["lon"], request["lat"], request["lon"]) > p["travel_radius_km"]:
        found.append("travel")
    if not all(_inside_window(p, s - timedelta(minutes=t), e) for s, e, t in request["slots"]):
        found.append("availability")
    for index, (start, end, travel) in enumerate(request["slots"]):
        others = list(busy) + [s for i, s in enumerate(request["slots"]) if i != index]
        if any(o[0] < end and start < o[1] for o in others):
            found.append("double_booking")
        marked = [(minutes(o[0]) - o[2], minutes(o[1]), False) for o in others]
        marked.append((minutes(start) - travel, minutes(end), True))
        if _block_span(marked, None, 11 * 60) > 13 * 60:
            found.append("rest_11h")
        if _block_span(marked, None, 20) > 6 * 60:
            found.append("break_20m")
        if not p["wt_opt_out"]:
            week = (minutes(datetime.combine(start.date(), datetime.min.time()))
                    // (7 * 24 * 60))
            totals: dict[int, int] = {}
            for o in [*others, (start, end, travel)]:
                w = minutes(datetime.combine(o[0].date(), datetime.min.time())) // (7 * 1440)
                totals[w] = totals.get(w, 0) + (minutes(o[1]) - minutes(o[0]) + o[2])
            if totals[week] > 48 * 60:
                found.append("max_48h")
            else:
                period = [w for w in totals if week - 16 <= w <= week]
                span = week - min(period) + 1
                if sum(totals[w] for w in period) > 48 * 60 * span:
                    found.append("max_48h")
    return sorted(set(found))


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def borrower_dbs_ok(p, borrower_coop_id: int, slot_days, records, check_days: int) -> bool:
    """Whether the borrower holds DBS evidence of its own for every slot day.

    ``records``: raw compliance rows of the loan. Never the lender's dates: an Update
    Service worker needs the borrower's status check that found no change, made on or
    before the first day and within the borrower's interval of the last; any other worker
    needs the borrower's own certificate, issued on or before the first day and under
    ``VALID_YEARS`` old on the last.
    """
    first, last = min(slot_days), max(slot_days)
    for r in records:
        if r["coop_id"] != borrower_coop_id or r["checked_on"] > first:
            continue
        if p["dbs_update_service"] and r["item"] == "dbs_status_check":
            if r["result"] == "no_change" and \
                    (last - r["checked_on"]).days < check_days:
                return True
        if not p["dbs_update_service"] and r["item"] == "dbs_own_certificate":
            if last < _add_years(r["checked_on"], VALID_YEARS):
                return True
    return False

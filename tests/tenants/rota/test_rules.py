"""The working-time and eligibility rules, table-driven, at their boundaries."""

from datetime import datetime, timedelta

import pytest

from tenants.rota.rules import (
    Eligibility,
    Need,
    Shift,
    eligibility_failures,
    failed_rules,
    working_time_failures,
)

MON = datetime(2026, 3, 2)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return MON + timedelta(days=day, hours=hour, minutes=minute)


def shift(day, hour, minutes, minute=0, travel=0) -> Shift:
    start = at(day, hour, minute)
    return Shift(start, start + timedelta(minutes=minutes), travel)


def full_week(total_minutes: int) -> list[Shift]:
    """Five days' shifts adding up to ``total_minutes``, with breaks and rest kept."""
    shifts, left = [], total_minutes
    for day in range(5):
        for hour in (7, 13):
            part = min(left, 300)
            if part:
                shifts.append(shift(day, hour, part))
                left -= part
    assert left == 0
    return shifts


CASES = [
    # (name, existing shifts, candidate, opted out, expected failures)
    ("exactly 11 h rest passes", [shift(0, 17, 300)], shift(1, 9, 60), False, []),
    ("10 h 59 rest fails", [shift(0, 17, 300)], shift(1, 8, 60, minute=59), False,
     ["rest_11h"]),
    ("travel eats into rest", [shift(0, 17, 300)], shift(1, 9, 60, travel=1), False,
     ["rest_11h"]),
    ("a long split day is fine within 13 h", [shift(0, 7, 180)], shift(0, 17, 180), False, []),
    ("a split day over 13 h fails", [shift(0, 7, 180)], shift(0, 18, 121), False,
     ["rest_11h"]),
    ("exactly 48 h passes", full_week(47 * 60), shift(5, 9, 60), False, []),
    ("48 h 01 fails", full_week(47 * 60), shift(5, 9, 61), False, ["max_48h"]),
    ("48 h 01 allowed when opted out", full_week(47 * 60), shift(5, 9, 61), True, []),
    ("travel counts towards 48 h", full_week(47 * 60), shift(5, 9, 60, travel=1), False,
     ["max_48h"]),
    ("17-week average over 48 h fails",
     [shift(-7 * w + d, 7, 624) for w in range(1, 17) for d in range(5)], shift(0, 9, 60),
     False, ["max_48h"]),
    ("a heavy week is averaged out over 17 weeks",
     [shift(-7 * 16 + d, 7, 720) for d in range(5)] + full_week(46 * 60), shift(5, 9, 60),
     False, []),
    ("a new starter's average counts only weeks with data",
     [shift(-7 + d, 7, 600) for d in range(5)] + full_week(46 * 60), shift(5, 9, 60), False,
     ["max_48h"]),
    ("6 h continuous passes", [shift(0, 8, 180)], shift(0, 11, 180), False, []),
    ("6 h 01 without a 20-minute gap fails", [shift(0, 8, 180)], shift(0, 11, 181), False,
     ["break_20m"]),
    ("19-minute gap is no break", [shift(0, 8, 180)], shift(0, 11, 180, minute=19), False,
     ["break_20m"]),
    ("20-minute gap is a break", [shift(0, 8, 180)], shift(0, 11, 200, minute=20), False, []),
    ("travel in the gap is work", [shift(0, 8, 180)], shift(0, 11, 180, minute=30, travel=15),
     False, ["break_20m"]),
    ("overlap is double booking", [shift(0, 9, 60)], shift(0, 9, 60, minute=30), False,
     ["double_booking"]),
    ("back to back is not double booking", [shift(0, 9, 60)], shift(0, 10, 60), False, []),
]


@pytest.mark.parametrize(("existing", "candidate", "opted_out", "expected"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_working_time_rules(existing, candidate, opted_out, expected):
    assert working_time_failures(existing, candidate, opted_out=opted_out) == expected


ELIGIBILITY = [
    ("all fine", Eligibility(frozenset({"hoist"}), "fluent"), Need(frozenset({"hoist"}), True),
     []),
    ("expired check", Eligibility(check_problems=("dbs_expired",)), Need(), ["checks"]),
    ("missing skill", Eligibility(frozenset({"domestic"})), Need(frozenset({"hoist"})),
     ["skills"]),
    ("learner is not enough Welsh", Eligibility(welsh_level="learner"), Need(welsh_required=True),
     ["welsh"]),
    ("conversational Welsh is enough", Eligibility(welsh_level="conversational"),
     Need(welsh_required=True), []),
]


@pytest.mark.parametrize(("worker", "need", "expected"), [c[1:] for c in ELIGIBILITY],
                         ids=[c[0] for c in ELIGIBILITY])
def test_eligibility_rules(worker, need, expected):
    assert eligibility_failures(worker, need) == expected


def test_failed_rules_lists_every_broken_rule_in_order():
    worker = Eligibility(frozenset(), "none", ("dbs_expired",))
    need = Need(frozenset({"hoist"}), True)
    existing = [shift(0, 3, 360)]
    assert failed_rules(worker, need, existing, shift(0, 9, 60), opted_out=False) == [
        "checks", "skills", "welsh", "break_20m"]
    assert failed_rules(worker, need, existing, shift(0, 8, 90), opted_out=False) == [
        "checks", "skills", "welsh", "double_booking", "break_20m"]


def test_other_employers_hours_count_too():
    """The matcher passes shifts from every employer; the rules do not care whose they are."""
    ours, theirs = full_week(40 * 60)[:8], [shift(5, 8, 480)]
    assert working_time_failures(ours + theirs, shift(6, 9, 60), opted_out=False) == ["max_48h"]

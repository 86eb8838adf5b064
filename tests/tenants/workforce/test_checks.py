"""The check-validity rules (pure functions): DBS age, the Update Service, SCW registration.

SCW registration is required only in a co-op with a CIW-registered domiciliary support
service (``DSS``); without one (``NONE``) it is not, and DBS follows the co-op's policy."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from tenants.position.service import Facts
from tenants.workforce.checks import (
    Context,
    check_status,
    checks_valid_on,
    dbs_last_valid_on,
    expiring_within,
    scw_required_from,
)

ON = date(2025, 6, 15)
DSS = Context(Facts(service_types=frozenset({"domiciliary_support"})))
NONE = Context(Facts())


def worker(**overrides) -> SimpleNamespace:
    """A worker whose checks are valid on ``ON`` unless overridden."""
    values = {"started_on": date(2020, 1, 6), "scw_registration_number": "SCW0001",
              "scw_expires_on": date(2026, 3, 31), "dbs_certificate_date": date(2024, 1, 10),
              "dbs_update_service": False}
    values.update(overrides)
    return SimpleNamespace(**values)


@pytest.mark.parametrize(("overrides", "day", "expected"), [
    ({}, ON, []),
    ({"dbs_certificate_date": None}, ON, ["dbs_missing"]),
    ({"dbs_certificate_date": ON + timedelta(days=1)}, ON, ["dbs_missing"]),
    # Three years old: the last valid day is the day before the third anniversary.
    ({"dbs_certificate_date": date(2022, 6, 16)}, ON, []),
    ({"dbs_certificate_date": date(2022, 6, 15)}, ON, ["dbs_expired"]),
    ({"dbs_certificate_date": date(2019, 2, 1)}, ON, ["dbs_expired"]),
    # In a registered service the Update Service counts only with a status check.
    ({"dbs_certificate_date": date(2019, 2, 1), "dbs_update_service": True}, ON,
     ["dbs_status_check_due"]),
    # SCW: valid up to and including the expiry date, invalid after it.
    ({"scw_expires_on": ON}, ON, []),
    ({"scw_expires_on": ON}, ON + timedelta(days=1), ["scw_expired"]),
    ({"scw_expires_on": date(2024, 12, 31)}, ON, ["scw_expired"]),
    # A new starter has six months to register, then not.
    ({"started_on": date(2025, 1, 1), "scw_registration_number": None,
      "scw_expires_on": None}, date(2025, 1, 1), []),
    ({"started_on": date(2025, 1, 1), "scw_registration_number": None,
      "scw_expires_on": None}, date(2025, 6, 30), []),
    ({"started_on": date(2025, 1, 1), "scw_registration_number": None,
      "scw_expires_on": None}, date(2025, 7, 1), ["scw_missing"]),
    ({"started_on": date(2024, 8, 31), "scw_registration_number": None,
      "scw_expires_on": None}, date(2025, 2, 27), []),
    ({"started_on": date(2024, 8, 31), "scw_registration_number": None,
      "scw_expires_on": None}, date(2025, 2, 28), ["scw_missing"]),
    ({"scw_registration_number": None, "scw_expires_on": None}, ON, ["scw_missing"]),
    # A number without an expiry date is not a registration.
    ({"scw_expires_on": None}, ON, ["scw_missing"]),
    ({"dbs_certificate_date": date(2020, 1, 1), "scw_expires_on": date(2025, 1, 1)}, ON,
     ["dbs_expired", "scw_expired"]),
])
def test_checks_valid_on(overrides, day, expected):
    assert checks_valid_on(worker(**overrides), day, DSS) == expected


def test_without_a_registered_service_scw_is_not_required_and_dbs_is_policy():
    unregistered = worker(started_on=date(2020, 1, 1), scw_registration_number=None,
                          scw_expires_on=None)
    assert checks_valid_on(unregistered, ON, NONE) == []
    assert checks_valid_on(unregistered, ON, DSS) == ["scw_missing"]
    # Co-op policy: the Update Service keeps an old certificate current.
    old = worker(dbs_certificate_date=date(2019, 2, 1), dbs_update_service=True)
    assert checks_valid_on(old, ON, NONE) == []
    assert checks_valid_on(worker(dbs_certificate_date=date(2019, 2, 1)), ON, NONE) == [
        "dbs_expired"]


def _dbs_lapsing_in(days: int) -> date:
    """A certificate date whose last valid day is ``ON + days``."""
    last = ON + timedelta(days=days)
    certificate = date(last.year - 3, last.month, last.day) + timedelta(days=1)
    assert dbs_last_valid_on(worker(dbs_certificate_date=certificate)) == last
    return certificate


@pytest.mark.parametrize(("overrides", "reasons"), [
    ({"dbs_certificate_date": _dbs_lapsing_in(20)}, ["dbs_expiring"]),
    ({"dbs_certificate_date": _dbs_lapsing_in(40)}, []),
    ({"scw_expires_on": ON + timedelta(days=20)}, ["scw_expiring"]),
    ({"scw_expires_on": ON + timedelta(days=40)}, []),
    ({"scw_expires_on": ON + timedelta(days=30)}, ["scw_expiring"]),
    ({"started_on": ON - timedelta(days=160), "scw_registration_number": None,
      "scw_expires_on": None}, ["scw_due"]),
    ({"started_on": ON - timedelta(days=100), "scw_registration_number": None,
      "scw_expires_on": None}, []),
    ({}, []),
])
def test_expiring_within_30_days_is_flagged(overrides, reasons):
    assert [e.reason for e in expiring_within(worker(**overrides), ON, context=DSS)] == reasons
    assert check_status(worker(**overrides), ON, context=DSS).flagged == bool(reasons)


def test_status_says_how_urgent():
    soon = check_status(worker(scw_expires_on=ON + timedelta(days=20),
                               dbs_certificate_date=_dbs_lapsing_in(5)), ON, context=DSS)
    assert soon.valid and soon.flagged
    assert [(e.reason, e.days_left) for e in soon.expiring] == [
        ("dbs_expiring", 5), ("scw_expiring", 20)]
    assert soon.urgency == 5
    expired = check_status(worker(scw_expires_on=ON - timedelta(days=1)), ON, context=DSS)
    assert not expired.valid and expired.problems == ("scw_expired",)
    assert expired.urgency < soon.urgency
    assert check_status(worker(), ON).urgency > 30


def test_six_months_is_calendar_months():
    assert scw_required_from(worker(started_on=date(2024, 8, 31))) == date(2025, 2, 28)
    assert scw_required_from(worker(started_on=date(2024, 1, 15))) == date(2024, 7, 15)

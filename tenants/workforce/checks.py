"""Whether a care worker's legal checks are valid on a day: pure functions, no database.

The rota engine and the lending matcher call these too, so they take any object with the
attributes below (a ``Worker`` row, a pool profile, a ``SimpleNamespace`` in a test):
``started_on``, ``scw_registration_number``, ``scw_expires_on``, ``dbs_certificate_date``
and ``dbs_update_service``.

The rules, as this co-op applies them by default:

- **DBS.** An enhanced DBS certificate (with the adults' barred list) is needed from the
  first day. There is no legal expiry date on a certificate; the co-op's default policy is
  that a certificate older than three years counts as expired, unless the worker is on the
  DBS Update Service (which lets the co-op check the certificate is still current at any
  time). The last valid day is the day before the certificate's third anniversary.
- **Social Care Wales.** Domiciliary care workers must be registered. A new starter has
  six months from ``started_on``: until the day before the six-month anniversary they are
  valid without a registration. A registration is valid up to and including its
  ``scw_expires_on`` date.

Reason codes (stable: other packages and the API use them): ``dbs_missing``,
``dbs_expired``, ``scw_missing``, ``scw_expired``; and for checks about to lapse,
``dbs_expiring``, ``scw_expiring``, ``scw_due`` (a new starter's registration deadline).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

DBS_VALID_YEARS = 3
SCW_GRACE_MONTHS = 6
WARNING_DAYS = 30

DBS_MISSING = "dbs_missing"
DBS_EXPIRED = "dbs_expired"
SCW_MISSING = "scw_missing"
SCW_EXPIRED = "scw_expired"
DBS_EXPIRING = "dbs_expiring"
SCW_EXPIRING = "scw_expiring"
SCW_DUE = "scw_due"


class CheckedWorker(Protocol):
    """What the rules read from a worker."""

    started_on: date
    scw_registration_number: str | None
    scw_expires_on: date | None
    dbs_certificate_date: date | None
    dbs_update_service: bool


@dataclass(frozen=True)
class Expiry:
    """A check that lapses soon: its reason code, its last valid day, and days left from ``on``."""

    reason: str
    last_valid_on: date
    days_left: int


@dataclass(frozen=True)
class CheckStatus:
    """A worker's checks on one day: what fails now, and what lapses within the warning window."""

    on: date
    problems: tuple[str, ...]
    expiring: tuple[Expiry, ...]

    @property
    def valid(self) -> bool:
        """True when nothing fails on ``on``."""
        return not self.problems

    @property
    def flagged(self) -> bool:
        """True when something fails now or lapses within the window."""
        return bool(self.problems or self.expiring)

    @property
    def urgency(self) -> int:
        """Days until the first lapse (negative or zero when something already fails)."""
        if self.problems:
            return -1
        return min((e.days_left for e in self.expiring), default=10_000)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has at least 28 days


def dbs_last_valid_on(worker: CheckedWorker) -> date | None:
    """The last day the DBS certificate counts, or None (no certificate, or Update Service)."""
    if worker.dbs_certificate_date is None or worker.dbs_update_service:
        return None
    return _add_months(worker.dbs_certificate_date, 12 * DBS_VALID_YEARS) - timedelta(days=1)


def scw_registered(worker: CheckedWorker) -> bool:
    """True when the worker has a Social Care Wales registration number and expiry date."""
    return bool(worker.scw_registration_number) and worker.scw_expires_on is not None


def scw_required_from(worker: CheckedWorker) -> date:
    """The first day a registration is needed: six months after the worker started."""
    return _add_months(worker.started_on, SCW_GRACE_MONTHS)


def checks_valid_on(worker: CheckedWorker, day: date) -> list[str]:
    """The reasons ``worker`` may not work on ``day``; an empty list when every check is valid."""
    reasons: list[str] = []
    if worker.dbs_certificate_date is None or worker.dbs_certificate_date > day:
        reasons.append(DBS_MISSING)
    else:
        last = dbs_last_valid_on(worker)
        if last is not None and day > last:
            reasons.append(DBS_EXPIRED)
    if not scw_registered(worker):
        if day >= scw_required_from(worker):
            reasons.append(SCW_MISSING)
    elif day > worker.scw_expires_on:
        reasons.append(SCW_EXPIRED)
    return reasons


def expiring_within(worker: CheckedWorker, on: date, days: int = WARNING_DAYS) -> list[Expiry]:
    """Checks valid on ``on`` whose last valid day falls within ``days`` days, soonest first."""
    limit = on + timedelta(days=days)
    found: list[Expiry] = []
    dbs_last = dbs_last_valid_on(worker)
    if (dbs_last is not None and worker.dbs_certificate_date <= on
            and on <= dbs_last <= limit):
        found.append(Expiry(DBS_EXPIRING, dbs_last, (dbs_last - on).days))
    if scw_registered(worker):
        if on <= worker.scw_expires_on <= limit:
            found.append(Expiry(SCW_EXPIRING, worker.scw_expires_on,
                                (worker.scw_expires_on - on).days))
    else:
        last = scw_required_from(worker) - timedelta(days=1)
        if on <= last <= limit:
            found.append(Expiry(SCW_DUE, last, (last - on).days))
    return sorted(found, key=lambda e: e.last_valid_on)


def check_status(worker: CheckedWorker, on: date, days: int = WARNING_DAYS) -> CheckStatus:
    """Everything about ``worker``'s checks on ``on``: failures now, and lapses within ``days``."""
    return CheckStatus(on, tuple(checks_valid_on(worker, on)),
                       tuple(expiring_within(worker, on, days)))

"""Whether a care worker's legal checks are valid on a day: pure functions, no database.

Which checks apply, and how, is decided by the rule set (``tenants/rules/data/rules.toml``)
from the co-op's position (``Facts``: its CIW-registered services) and the worker's
engagement. The rota engine and the lending matcher call these too, so they take any
object with the attributes below (a ``Worker`` row, a pool profile, a ``SimpleNamespace``):
``started_on``, ``scw_registration_number``, ``scw_expires_on``, ``dbs_certificate_date``,
``dbs_update_service``; and, read with defaults when absent, ``engagement`` ("employee"),
``dbs_applied_by_coop`` (True), ``scw_suspended_from`` and ``scw_suspended_until`` (None).

- **Social Care Wales** (rule ``scw_registration``): only where the rules say so (a
  CIW-registered domiciliary support service). A new starter has ``grace_months`` from
  ``started_on``: until the day before that anniversary they are valid without a
  registration. A registration is valid up to and including ``scw_expires_on``, and not
  while it is suspended.
- **DBS in a registered service** (rule ``dbs_schedule1``): valid when this co-op applied
  for the certificate and it is less than ``valid_years`` old, or when it is on the Update
  Service and the latest status check found nothing new and is within the co-op's chosen
  interval (``Facts.dbs_status_check_days``).
- **DBS elsewhere** (rule ``dbs_policy``): co-op policy; a certificate older than
  ``valid_years`` counts as out of date unless the worker is on the Update Service.

Reason codes (stable: other packages and the API use them): ``dbs_missing``,
``dbs_expired``, ``dbs_not_ours``, ``dbs_status_check_due``, ``dbs_new_information``,
``scw_missing``, ``scw_expired``, ``scw_suspended``; for checks about to lapse,
``dbs_expiring``, ``dbs_status_check_expiring``, ``scw_expiring``, ``scw_due``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

from tenants.position.service import Facts
from tenants.rules.engine import RuleSet, default_ruleset

DBS_VALID_YEARS = 3
SCW_GRACE_MONTHS = 6
WARNING_DAYS = 30

DBS_MISSING = "dbs_missing"
DBS_EXPIRED = "dbs_expired"
DBS_NOT_OURS = "dbs_not_ours"
DBS_STATUS_CHECK_DUE = "dbs_status_check_due"
DBS_NEW_INFORMATION = "dbs_new_information"
SCW_MISSING = "scw_missing"
SCW_EXPIRED = "scw_expired"
SCW_SUSPENDED = "scw_suspended"
DBS_EXPIRING = "dbs_expiring"
DBS_STATUS_CHECK_EXPIRING = "dbs_status_check_expiring"
SCW_EXPIRING = "scw_expiring"
SCW_DUE = "scw_due"

#: The rule each reason comes from is decided per co-op; these reasons are SCW's.
SCW_REASONS = frozenset({SCW_MISSING, SCW_EXPIRED, SCW_SUSPENDED, SCW_EXPIRING, SCW_DUE})


class CheckedWorker(Protocol):
    """What the rules read from a worker."""

    started_on: date
    scw_registration_number: str | None
    scw_expires_on: date | None
    dbs_certificate_date: date | None
    dbs_update_service: bool


class StatusCheck(Protocol):
    """A DBS Update Service status check."""

    checked_on: date
    checked_by: str
    result: str


@dataclass(frozen=True)
class Context:
    """What decides which checks apply: the co-op's facts and the rule set."""

    facts: Facts = field(default_factory=Facts)
    ruleset: RuleSet | None = None

    @property
    def rules(self) -> RuleSet:
        """The rule set in use (the shipped one unless a test passes another)."""
        return self.ruleset or default_ruleset()


@dataclass(frozen=True)
class Finding:
    """A check that fails: its reason, the rule it breaks, and the date that matters."""

    reason: str
    rule: str
    on: date | None = None


@dataclass(frozen=True)
class Expiry:
    """A check that lapses soon: its reason code, its last valid day, and days left from ``on``."""

    reason: str
    last_valid_on: date
    days_left: int
    rule: str = ""


@dataclass(frozen=True)
class CheckStatus:
    """A worker's checks on one day: what fails now, and what lapses within the warning window."""

    on: date
    findings: tuple[Finding, ...]
    expiring: tuple[Expiry, ...]

    @property
    def problems(self) -> tuple[str, ...]:
        """The reason codes of what fails on ``on``."""
        return tuple(f.reason for f in self.findings)

    @property
    def valid(self) -> bool:
        """True when nothing fails on ``on``."""
        return not self.findings

    @property
    def flagged(self) -> bool:
        """True when something fails now or lapses within the window."""
        return bool(self.findings or self.expiring)

    @property
    def urgency(self) -> int:
        """Days until the first lapse (negative or zero when something already fails)."""
        if self.findings:
            return -1
        return min((e.days_left for e in self.expiring), default=10_000)


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, kept to the month's last day where it is shorter."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has at least 28 days


_add_months = add_months


def engagement_of(worker) -> str:
    """How the worker is engaged (an object without the attribute is an employee)."""
    return getattr(worker, "engagement", None) or "employee"


def dbs_last_valid_on(worker: CheckedWorker, years: int = DBS_VALID_YEARS) -> date | None:
    """The last day the certificate counts by age, or None (no certificate, or Update Service)."""
    if worker.dbs_certificate_date is None or worker.dbs_update_service:
        return None
    return add_months(worker.dbs_certificate_date, 12 * years) - timedelta(days=1)


def scw_registered(worker: CheckedWorker) -> bool:
    """True when the worker has a Social Care Wales registration number and expiry date."""
    return bool(worker.scw_registration_number) and worker.scw_expires_on is not None


def scw_required_from(worker: CheckedWorker, months: int = SCW_GRACE_MONTHS) -> date:
    """The first day a registration is needed: six months after the worker started."""
    return add_months(worker.started_on, months)


def scw_suspended_on(worker, day: date) -> bool:
    """True when the worker's registration is suspended on ``day``."""
    start = getattr(worker, "scw_suspended_from", None)
    end = getattr(worker, "scw_suspended_until", None)
    return start is not None and start <= day and (end is None or day <= end)


def scw_applies(worker, day: date, context: Context) -> bool:
    """True when the rules require this worker to register with Social Care Wales on ``day``."""
    return context.rules.applies("scw_registration", context.facts, engagement_of(worker), day)


def _scw(worker, day: date, context: Context) -> tuple[list[Finding], list[Expiry], int]:
    rule = context.rules["scw_registration"]
    months = rule.params.get("grace_months", SCW_GRACE_MONTHS)
    if not rule.applies_to(context.facts, engagement_of(worker), day):
        return [], [], months
    found: list[Finding] = []
    if scw_suspended_on(worker, day):
        found.append(Finding(SCW_SUSPENDED, rule.code, worker.scw_suspended_from))
    if not scw_registered(worker):
        required = scw_required_from(worker, months)
        if day >= required:
            found.append(Finding(SCW_MISSING, rule.code, required - timedelta(days=1)))
    elif day > worker.scw_expires_on:
        found.append(Finding(SCW_EXPIRED, rule.code, worker.scw_expires_on))
    return found, [], months


def _dbs_rule(worker, day: date, context: Context):
    for code in ("dbs_schedule1", "dbs_policy"):
        if context.rules.applies(code, context.facts, engagement_of(worker), day):
            return context.rules[code]
    return None


def _dbs_routes(worker, day: date, context: Context, last_check) -> tuple[list, bool]:
    """The last valid day of each way the certificate counts under Schedule 1, and whether
    the latest status check found new information."""
    years = context.rules["dbs_schedule1"].params.get("valid_years", DBS_VALID_YEARS)
    cert = worker.dbs_certificate_date
    routes: list[tuple[str, date]] = []
    if getattr(worker, "dbs_applied_by_coop", True):
        routes.append((DBS_EXPIRING, add_months(cert, 12 * years) - timedelta(days=1)))
    new_information = False
    if (worker.dbs_update_service and last_check is not None
            and cert <= last_check.checked_on <= day):
        if last_check.result == "new_information":
            new_information = True
        else:
            routes.append((DBS_STATUS_CHECK_EXPIRING, last_check.checked_on + timedelta(
                days=context.facts.dbs_status_check_days - 1)))
    return routes, new_information


def _dbs(worker, day: date, context: Context, last_check) -> tuple[list[Finding], list]:
    rule = _dbs_rule(worker, day, context)
    cert = worker.dbs_certificate_date
    if rule is None:
        return [], []
    if cert is None or cert > day:
        return [Finding(DBS_MISSING, rule.code)], []
    if rule.code == "dbs_policy":
        years = rule.params.get("valid_years", DBS_VALID_YEARS)
        last = dbs_last_valid_on(worker, years)
        if last is not None and day > last:
            return [Finding(DBS_EXPIRED, rule.code, last)], []
        return [], [(DBS_EXPIRING, last, rule.code)] if last is not None else []
    routes, new_information = _dbs_routes(worker, day, context, last_check)
    if new_information:
        return [Finding(DBS_NEW_INFORMATION, rule.code, last_check.checked_on)], []
    valid = [(reason, last) for reason, last in routes if day <= last]
    if valid:
        reason, last = max(valid, key=lambda r: r[1])
        return [], [(reason, last, rule.code)]
    if worker.dbs_update_service:
        lapsed = [last for reason, last in routes if reason == DBS_STATUS_CHECK_EXPIRING]
        return [Finding(DBS_STATUS_CHECK_DUE, rule.code, lapsed[0] if lapsed else None)], []
    if not getattr(worker, "dbs_applied_by_coop", True):
        return [Finding(DBS_NOT_OURS, rule.code)], []
    return [Finding(DBS_EXPIRED, rule.code, routes[0][1])], []


def _last_check(worker, last_check):
    if last_check is not _UNSET:
        return last_check
    return getattr(worker, "last_status_check", None)


_UNSET = object()


def findings_on(worker: CheckedWorker, day: date, context: Context | None = None,
                last_check=_UNSET) -> list[Finding]:
    """Every check that fails on ``day``, with the rule it breaks; empty when all are valid."""
    context = context or Context()
    dbs, _ = _dbs(worker, day, context, _last_check(worker, last_check))
    scw, _, _ = _scw(worker, day, context)
    return dbs + scw


def checks_valid_on(worker: CheckedWorker, day: date, context: Context | None = None,
                    last_check=_UNSET) -> list[str]:
    """The reasons ``worker`` may not work on ``day``; an empty list when every check is valid."""
    return [f.reason for f in findings_on(worker, day, context, last_check)]


def expiring_within(worker: CheckedWorker, on: date, days: int = WARNING_DAYS,
                    context: Context | None = None, last_check=_UNSET) -> list[Expiry]:
    """Checks valid on ``on`` whose last valid day falls within ``days`` days, soonest first."""
    context = context or Context()
    limit = on + timedelta(days=days)
    found: list[Expiry] = []
    failed, lapsing = _dbs(worker, on, context, _last_check(worker, last_check))
    for reason, last, rule in lapsing:
        if not failed and on <= last <= limit:
            found.append(Expiry(reason, last, (last - on).days, rule))
    scw_failed, _, months = _scw(worker, on, context)
    if scw_applies(worker, on, context) and not scw_failed:
        if scw_registered(worker):
            if on <= worker.scw_expires_on <= limit:
                found.append(Expiry(SCW_EXPIRING, worker.scw_expires_on,
                                    (worker.scw_expires_on - on).days, "scw_registration"))
        else:
            last = scw_required_from(worker, months) - timedelta(days=1)
            if on <= last <= limit:
                found.append(Expiry(SCW_DUE, last, (last - on).days, "scw_registration"))
    return sorted(found, key=lambda e: e.last_valid_on)


def check_status(worker: CheckedWorker, on: date, days: int = WARNING_DAYS,
                 context: Context | None = None, last_check=_UNSET) -> CheckStatus:
    """Everything about ``worker``'s checks on ``on``: failures now, and lapses within ``days``."""
    return CheckStatus(on, tuple(findings_on(worker, on, context, last_check)),
                       tuple(expiring_within(worker, on, days, context, last_check)))

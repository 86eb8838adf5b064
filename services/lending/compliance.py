"""A borrower's own checks of a lent worker, before it may confirm the loan (issue 11).

Under Schedule 1 to WSI 2017/1264 the borrower needs its own evidence: it may not inherit
the lender's DBS dates. Before ``do_confirm`` it records, each with who and when (and an
audit row): its DBS evidence (an Update Service status check, which the worker's consent
to share their certificate number makes possible, or, for a worker not on the Update
Service, its own DBS certificate), that it saw the worker's ID, the Social Care Wales
register where its rules need registration for the worker's engagement, the lender's
attestation of the other Schedule 1 items (recorded by the lender), and the worker's
introduction to its policies. A confirmation without any of them is refused, naming
each missing item in plain words, with the items' codes in ``rules``.

Verbs as in ``service``: ``check_*`` validates then acts, ``do_*`` acts. Functions
flush; the request boundary commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import audit
from core.db import db
from core.errors import Conflict, NotFound, ValidationError
from core.timeutil import local_now
from services.lending import matching
from services.lending.compliance_models import ITEMS, STATUS_RESULTS, ComplianceRecord, DbsShare
from services.lending.models import LendingAgreement
from services.pool.models import PoolProfile
from tenants.position.models import DEFAULT_DBS_CHECK_DAYS
from tenants.rules.engine import default_ruleset
from tenants.workforce.checks import add_months

#: Agreements whose checklist may still change.
OPEN_STATES = ("offered", "approved", "accepted")
#: Items the lending co-op records; the borrower records every other one.
LENDER_ITEMS = frozenset({"lender_attestation"})
DBS_ITEMS = ("dbs_status_check", "dbs_own_certificate")
CERTIFICATE_NUMBER = re.compile(r"^\d{12}$")

ITEM_NAMES = {
    "dbs_status_check": _l("DBS Update Service status check"),
    "dbs_own_certificate": _l("Our own DBS certificate"),
    "id_seen": _l("Identity documents seen"),
    "scw_checked": _l("Social Care Wales register checked"),
    "lender_attestation": _l("Lending co-op's attestation of the other Schedule 1 checks"),
    "policies_introduced": _l("Introduction to our policies"),
}
MISSING = {
    "dbs_status_check": _l("Record a DBS Update Service status check that found no change, "
                           "valid for every slot of the loan."),
    "dbs_own_certificate": _l("The worker is not on the DBS Update Service: record your own "
                              "DBS certificate, issued for this loan, valid for every slot."),
    "id_seen": _l("Record that you have seen the worker's identity documents."),
    "scw_checked": _l("Record that you checked the worker on the Social Care Wales register."),
    "lender_attestation": _l("The lending co-op has not yet attested the other Schedule 1 "
                             "checks (references, employment history, health and the rest)."),
    "policies_introduced": _l("Record that the worker has been introduced to your policies."),
}


class ComplianceRefusal(ValidationError):
    """A confirmation refused for missing checks: a plain message per missing item under
    ``compliance``, and the items' codes for machines (``rules`` in the problem response)."""

    def __init__(self, missing: list[str]):
        super().__init__({"compliance": [str(MISSING[item]) for item in missing]},
                         str(_l("Checks are missing before this loan can be confirmed.")))
        self.missing = missing
        self.problem_extra = {"rules": missing}


@dataclass(frozen=True)
class Line:
    """One line of a loan's checklist: the item, whether it is needed, and what is recorded."""

    item: str
    required: bool
    record: ComplianceRecord | None
    ok: bool

    @property
    def name(self) -> str:
        """The item's name in the reader's language."""
        return str(ITEM_NAMES[self.item])

    @property
    def missing_text(self) -> str:
        """What to do about it, in the reader's language."""
        return str(MISSING[self.item])


def _now() -> datetime:
    return datetime.now(UTC)


def _profile(agreement: LendingAgreement) -> PoolProfile | None:
    if agreement.profile_id is None:
        return None
    return db.session.get(PoolProfile, agreement.profile_id)


def on_update_service(agreement: LendingAgreement) -> bool:
    """True when the lent worker's certificate is on the DBS Update Service."""
    profile = _profile(agreement)
    return bool(profile is not None and profile.dbs_update_service)


def scw_engagements_here(data: dict) -> list[str]:
    """For a request posted from the borrower's workspace: the engagements its own rules
    need Social Care Wales registration for, on the first slot's day."""
    from tenants.position.service import get_facts

    slots = data.get("slots") or []
    day = min((s["starts_at"] for s in slots), default=local_now()).date()
    return sorted(matching.scw_engagements_for(get_facts(), day))


def scw_required(agreement: LendingAgreement) -> bool:
    """True when the borrower's rules need Social Care Wales registration for this worker."""
    profile = _profile(agreement)
    engagement = (profile.engagement if profile is not None else None) or "employee"
    return engagement in matching.scw_needed(matching.need_of(agreement.request))


def required_items(agreement: LendingAgreement) -> list[str]:
    """The items this loan needs, in checklist order."""
    items = ["dbs_status_check" if on_update_service(agreement) else "dbs_own_certificate",
             "id_seen"]
    if scw_required(agreement):
        items.append("scw_checked")
    return [*items, "lender_attestation", "policies_introduced"]


def records_of(agreement_id: int) -> dict[str, ComplianceRecord]:
    """The loan's recorded items, by item."""
    return {r.item: r for r in db.session.scalars(select(ComplianceRecord).where(
        ComplianceRecord.agreement_id == agreement_id))}


def _valid(record: ComplianceRecord | None, agreement: LendingAgreement) -> bool:
    if record is None:
        return False
    if record.item not in DBS_ITEMS:
        return True
    if record.item == "dbs_status_check" and record.result != "no_change":
        return False
    days = [s.starts_at.date() for s in agreement.request.slots]
    return record.checked_on <= min(days) and max(days) <= record.valid_until


def checklist(agreement: LendingAgreement) -> list[Line]:
    """Every item the loan needs, with its record and whether it counts."""
    found = records_of(agreement.id)
    return [Line(item, True, found.get(item), _valid(found.get(item), agreement))
            for item in required_items(agreement)]


def missing_items(agreement: LendingAgreement) -> list[str]:
    """The items still missing (or not valid for the loan's slots), in checklist order."""
    return [line.item for line in checklist(agreement) if not line.ok]


def refuse_unless_complete(agreement: LendingAgreement, *, actor: int | None) -> None:
    """Refuse the confirmation, naming every missing item, unless the checklist is complete.

    The refusal is audited even though the transaction rolls back.
    """
    missing = missing_items(agreement)
    if missing:
        audit.record_despite_rollback(
            "lending.confirm_refused", actor_account_id=actor,
            coop_id=agreement.borrower_coop_id, outcome="refused", agreement_id=agreement.id,
            rules=missing)
        raise ComplianceRefusal(missing)


# -- recording the items --------------------------------------------------------------------


def _access(agreement_id: int, coop_id: int, item: str) -> LendingAgreement:
    agreement = db.session.get(LendingAgreement, agreement_id)
    if agreement is None or coop_id not in (agreement.borrower_coop_id,
                                            agreement.lender_coop_id):
        raise NotFound()
    recorder = (agreement.lender_coop_id if item in LENDER_ITEMS
                else agreement.borrower_coop_id)
    if coop_id != recorder:
        raise ValidationError({"item": [str(
            _l("The lending co-op records this item.") if item in LENDER_ITEMS
            else _l("The borrowing co-op records this item."))]})
    return agreement


def _errors(agreement: LendingAgreement | None, data: dict, today: date) -> dict:
    errors: dict[str, list[str]] = {}
    item = data.get("item")
    if item not in ITEMS:
        errors["item"] = [str(_l("Choose a check to record."))]
    checked_on = data.get("checked_on")
    if not isinstance(checked_on, date):
        errors["checked_on"] = [str(_l("Give the date of the check."))]
    elif checked_on > today:
        errors["checked_on"] = [str(_l("The date cannot be in the future."))]
    checked_by = (data.get("checked_by") or "").strip()
    if not checked_by or len(checked_by) > 200:
        errors["checked_by"] = [str(_l("Say who made the check (up to 200 characters)."))]
    if item == "dbs_status_check":
        if data.get("result") not in STATUS_RESULTS:
            errors["result"] = [str(_l("Choose what the status check found."))]
        if agreement is not None and not on_update_service(agreement):
            errors["item"] = [str(_l("The worker is not on the DBS Update Service: record "
                                     "your own DBS certificate instead."))]
        elif agreement is not None and live_share(agreement) is None:
            errors["item"] = [str(_l("The worker has not shared their DBS certificate number "
                                     "with your co-op, so there is nothing to check yet."))]
    elif data.get("result"):
        errors["result"] = [str(_l("Only a status check has a result."))]
    return errors


def field_errors(data: dict) -> dict[str, list[str]]:
    """The errors of a check's values alone, by field (for a form to show them all)."""
    return _errors(None, data, local_now().date())


def _valid_until(item: str, checked_on: date, check_days: int) -> date | None:
    if item == "dbs_status_check":
        return checked_on + timedelta(days=check_days - 1)
    if item == "dbs_own_certificate":
        years = default_ruleset()["dbs_schedule1"].params.get("valid_years", 3)
        return add_months(checked_on, 12 * years) - timedelta(days=1)
    return None


def check_record(agreement_id: int, coop_id: int, data: dict, *, actor: int | None,
                 check_days: int = DEFAULT_DBS_CHECK_DAYS,
                 today: date | None = None) -> ComplianceRecord:
    """Record (or record again) one checklist item of a loan not yet confirmed.

    ``data``: ``item``, ``checked_on``, ``checked_by``, ``result`` (a status check only)
    and an optional ``note``. ``check_days`` is the borrower's chosen interval between
    Update Service status checks; ``today`` (default: the local date now) is the last day
    a check may be dated. Refused naming each bad field, with nothing written.
    """
    item = data.get("item")
    today = today or local_now().date()
    errors = _errors(None, data, today)
    if errors.get("item"):
        raise ValidationError(errors)
    agreement = _access(agreement_id, coop_id, item)
    if agreement.state not in OPEN_STATES:
        raise Conflict(str(_l("This offer is %(state)s: its checks can no longer change.",
                              state=agreement.state)))
    errors = _errors(agreement, data, today)
    if errors:
        raise ValidationError(errors)
    record = db.session.scalar(select(ComplianceRecord).where(
        ComplianceRecord.agreement_id == agreement.id, ComplianceRecord.item == item))
    before = None
    if record is None:
        record = ComplianceRecord(agreement_id=agreement.id, item=item)
        db.session.add(record)
    else:
        before = {"checked_on": record.checked_on.isoformat(), "checked_by": record.checked_by,
                  "result": record.result}
    record.checked_on = data["checked_on"]
    record.checked_by = data["checked_by"].strip()
    record.result = data.get("result") if item == "dbs_status_check" else None
    record.valid_until = _valid_until(item, data["checked_on"], check_days)
    record.note = (data.get("note") or "").strip() or None
    record.coop_id = coop_id
    record.recorded_by_account_id = actor
    record.recorded_at = _now()
    db.session.flush()
    audit.record(db.session, "lending.compliance_recorded", actor_account_id=actor,
                 coop_id=coop_id, agreement_id=agreement.id, item=item,
                 checked_on=record.checked_on.isoformat(), checked_by=record.checked_by,
                 result=record.result, before=before)
    return record


def check_record_here(agreement_id: int, coop_id: int, data: dict, *,
                      actor: int | None) -> ComplianceRecord:
    """Record an item from the co-op's workspace: the status-check interval is its own."""
    from tenants.position.service import get_facts

    return check_record(agreement_id, coop_id, data, actor=actor,
                        check_days=get_facts().dbs_status_check_days)


# -- the worker's consent to share their DBS certificate number ----------------------------


def live_share(agreement: LendingAgreement) -> DbsShare | None:
    """The worker's live consent to share their certificate number with the borrower."""
    return db.session.scalar(select(DbsShare).where(
        DbsShare.worker_ref == agreement.worker_ref,
        DbsShare.borrower_coop_id == agreement.borrower_coop_id,
        DbsShare.revoked_at.is_(None)))


def _own_agreement(agreement_id: int, account_id: int) -> LendingAgreement:
    agreement = db.session.get(LendingAgreement, agreement_id)
    if agreement is None or agreement.worker_account_id != account_id:
        raise NotFound()
    return agreement


def check_share_dbs(agreement_id: int, account_id: int, certificate_number: str) -> DbsShare:
    """The worker consents to share their DBS certificate number with this offer's borrower,
    for an Update Service status check. Giving it again replaces the number."""
    agreement = _own_agreement(agreement_id, account_id)
    number = re.sub(r"\s", "", certificate_number or "")
    if not CERTIFICATE_NUMBER.match(number):
        raise ValidationError({"certificate_number": [str(
            _l("A DBS certificate number has 12 digits."))]})
    share = live_share(agreement)
    replaced = share is not None
    if share is None:
        share = DbsShare(worker_ref=agreement.worker_ref, account_id=account_id,
                         borrower_coop_id=agreement.borrower_coop_id, consented_at=_now())
        db.session.add(share)
    share.certificate_number = number
    db.session.flush()
    audit.record(db.session, "lending.dbs_shared", actor_account_id=account_id,
                 coop_id=agreement.borrower_coop_id, agreement_id=agreement.id,
                 share_id=share.id, replaced=replaced)  # never the number itself
    return share


def do_revoke_share(agreement_id: int, account_id: int) -> DbsShare:
    """The worker withdraws the consent: the number is cleared at once."""
    agreement = _own_agreement(agreement_id, account_id)
    share = live_share(agreement)
    if share is None:
        raise NotFound()
    share.revoked_at = _now()
    share.certificate_number = None
    db.session.flush()
    audit.record(db.session, "lending.dbs_share_revoked", actor_account_id=account_id,
                 coop_id=agreement.borrower_coop_id, agreement_id=agreement.id,
                 share_id=share.id)
    return share


def shared_number(agreement: LendingAgreement, coop_id: int) -> str | None:
    """The certificate number the worker shared with this borrower, for the borrower only."""
    if coop_id != agreement.borrower_coop_id:
        return None
    share = live_share(agreement)
    return share.certificate_number if share is not None else None


# -- for tests, the demo and scripts -----------------------------------------------------------


def do_record_all(agreement: LendingAgreement, *, borrower_actor: int | None,
                  lender_actor: int | None, checked_by: str = "Coordinator",
                  on: date | None = None, certificate_number: str = "001234567890") -> None:
    """Record every item the loan needs, as each side would (the worker's consent too,
    where the status check needs it). For the demo and test set-ups, which confirm loans."""
    on = on or local_now().date()
    for item in required_items(agreement):
        if item == "dbs_status_check" and live_share(agreement) is None:
            db.session.add(DbsShare(worker_ref=agreement.worker_ref,
                                    account_id=agreement.worker_account_id,
                                    borrower_coop_id=agreement.borrower_coop_id,
                                    certificate_number=certificate_number,
                                    consented_at=_now()))
            db.session.flush()
        lender = item in LENDER_ITEMS
        check_record(agreement.id, agreement.lender_coop_id if lender
                     else agreement.borrower_coop_id,
                     {"item": item, "checked_on": on, "checked_by": checked_by,
                      "result": "no_change" if item == "dbs_status_check" else None},
                     actor=lender_actor if lender else borrower_actor)


# -- reading the checklist ----------------------------------------------------------------------


def access(agreement_id: int, coop_id: int) -> LendingAgreement:
    """A loan the co-op is party to (borrower or lender); NotFound otherwise."""
    agreement = db.session.get(LendingAgreement, agreement_id)
    if agreement is None or coop_id not in (agreement.borrower_coop_id,
                                            agreement.lender_coop_id):
        raise NotFound()
    return agreement


def summary(agreement: LendingAgreement, coop_id: int) -> dict:
    """The checklist as the API and the page show it to one of the two co-ops."""
    lines = checklist(agreement)
    return {
        "agreement_id": agreement.id,
        "complete": all(line.ok for line in lines),
        "missing": [line.item for line in lines if not line.ok],
        "needs_own_dbs_application": not on_update_service(agreement),
        "turnaround_days": matching.turnaround_days(),
        "certificate_number": shared_number(agreement, coop_id),
        "lines": lines,
    }


def items_for(agreement: LendingAgreement, coop_id: int) -> list[str]:
    """The needed items this co-op records for the loan."""
    lender = coop_id == agreement.lender_coop_id
    return [item for item in required_items(agreement) if (item in LENDER_ITEMS) == lender]

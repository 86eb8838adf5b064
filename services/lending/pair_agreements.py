"""The agreement between a pair of co-ops for lending staff, versioned (wales-care-rules §8).

It says who employs a lent worker (secondment or supply of staff), each side's insurance
cover, each side's rate basis, and carries a VAT note (a note, not advice). Version 1 is
made at the first offer between the pair; a change of arrangement, or of either co-op's
lending terms, makes a new version that both admins must accept again. A loan is confirmed
only under a current version both accepted, and its rate's parts are fixed then.

Verbs as in ``service``: ``check_*`` validates then acts, ``do_*`` acts, ``access_*``
fetches what the calling co-op may see (anything else is NotFound).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from core import audit
from core.db import db
from core.errors import Conflict, NotFound, ValidationError
from services.lending import rates
from services.lending.models import (
    ARRANGEMENTS,
    LIVE_STATES,
    LendingAgreement,
    LendingTerms,
    SharingAgreement,
)
from tenants.registry import service as registry

ARRANGEMENT_NAMES = {"secondment": _l("Secondment"), "supply_of_staff": _l("Supply of staff")}
EMPLOYER_TEXT = {
    "secondment": _l(
        "Secondment: the worker stays employed by the lending co-op for the whole loan. The "
        "lending co-op pays their wage, tax, National Insurance and pension. The borrowing "
        "co-op directs the day-to-day work and pays the lending co-op the agreed rate."),
    "supply_of_staff": _l(
        "Supply of staff: the lending co-op stays the worker's employer and supplies their "
        "work to the borrowing co-op, which directs it and pays the lending co-op the agreed "
        "rate. The lending co-op pays their wage, tax, National Insurance and pension."),
}
VAT_NOTE = _l(
    "A note, not advice: HMRC normally treats a supply of staff under the recipient's "
    "direction as standard-rated for VAT, even when it is charged at cost (VAT Supply and "
    "Consideration manual VATSC03540; Cost Sharing Exemption manual CSE2200). Each co-op "
    "should check its own VAT position with HMRC or an adviser.")
REASONS = {
    "first_loan": _l("First loan between the two co-ops"),
    "terms_changed": _l("A co-op changed its lending terms"),
    "arrangement_changed": _l("A co-op proposed a different arrangement"),
}


def _now() -> datetime:
    return datetime.now(UTC)


def ordered(x: int, y: int) -> tuple[int, int]:
    """The pair as stored: lower co-op id first."""
    if x == y:
        raise ValidationError({"coop_id": [str(_l("An agreement needs two different co-ops."))]})
    return (x, y) if x < y else (y, x)


def current(x: int, y: int) -> SharingAgreement | None:
    """The pair's current version, if any."""
    a, b = ordered(x, y)
    return db.session.scalar(select(SharingAgreement).where(
        SharingAgreement.coop_a_id == a, SharingAgreement.coop_b_id == b,
        SharingAgreement.superseded_at.is_(None)))


def _snapshot(a: int, b: int) -> dict:
    found = {coop_id: rates.terms_of(coop_id) for coop_id in (a, b)}
    return {"rates": {str(c): rates.basis(t) for c, t in found.items()},
            "insurance": {str(c): {"employers_liability": t.employers_liability or "",
                                   "public_liability": t.public_liability or ""}
                          for c, t in found.items()}}


def _add_version(a: int, b: int, version: int, arrangement: str, reason: str,
                 actor: int | None, coop_id: int) -> SharingAgreement:
    """A new version; ``coop_id`` is the co-op whose step made it (audited as such)."""
    row = SharingAgreement(coop_a_id=a, coop_b_id=b, version=version, arrangement=arrangement,
                           terms=_snapshot(a, b), reason=reason, created_by_account_id=actor,
                           created_at=_now())
    db.session.add(row)
    db.session.flush()
    audit.record(db.session, "lending.sharing_version", actor_account_id=actor,
                 coop_id=coop_id, sharing_agreement_id=row.id, coop_a_id=a, coop_b_id=b,
                 version=version, arrangement=arrangement, reason=reason)
    return row


def ensure_for_pair(lender_coop_id: int, borrower_coop_id: int, *,
                    actor: int | None = None) -> SharingAgreement:
    """The pair's current version; version 1, on the lender's preferred arrangement, if the
    pair has none yet (two first offers at once: the second finds the first's)."""
    found = current(lender_coop_id, borrower_coop_id)
    if found is not None:
        return found
    a, b = ordered(lender_coop_id, borrower_coop_id)
    arrangement = rates.terms_of(lender_coop_id).arrangement
    try:
        with db.session.begin_nested():
            return _add_version(a, b, 1, arrangement, "first_loan", actor, borrower_coop_id)
    except IntegrityError:
        found = current(a, b)
        if found is None:
            raise
        return found


def _supersede(row: SharingAgreement, arrangement: str, reason: str, actor: int | None,
               coop_id: int) -> SharingAgreement:
    row.superseded_at = _now()
    db.session.flush()
    return _add_version(row.coop_a_id, row.coop_b_id, row.version + 1, arrangement, reason,
                        actor, coop_id)


def access(sharing_id: int, coop_id: int) -> SharingAgreement:
    """A version of one of the co-op's own pair agreements."""
    row = db.session.get(SharingAgreement, sharing_id)
    if row is None or coop_id not in (row.coop_a_id, row.coop_b_id):
        raise NotFound()
    return row


def agreements_of(coop_id: int) -> list[SharingAgreement]:
    """The co-op's current pair agreements, with pairs that have a live loan but (from
    before agreements existed) no version yet given their first."""
    for lender, borrower in db.session.execute(
            select(LendingAgreement.lender_coop_id, LendingAgreement.borrower_coop_id)
            .where(or_(LendingAgreement.lender_coop_id == coop_id,
                       LendingAgreement.borrower_coop_id == coop_id),
                   LendingAgreement.state.in_(LIVE_STATES)).distinct()):
        ensure_for_pair(lender, borrower)
    return list(db.session.scalars(select(SharingAgreement).where(
        or_(SharingAgreement.coop_a_id == coop_id, SharingAgreement.coop_b_id == coop_id),
        SharingAgreement.superseded_at.is_(None)).order_by(SharingAgreement.id)))


def versions(row: SharingAgreement) -> list[SharingAgreement]:
    """Every version of the pair's agreement, newest first."""
    return list(db.session.scalars(select(SharingAgreement).where(
        SharingAgreement.coop_a_id == row.coop_a_id,
        SharingAgreement.coop_b_id == row.coop_b_id).order_by(SharingAgreement.version.desc())))


def accepted_by(row: SharingAgreement, coop_id: int) -> bool:
    """Whether the co-op's admin has accepted this version."""
    return (row.a_accepted_at if coop_id == row.coop_a_id else row.b_accepted_at) is not None


def missing(row: SharingAgreement) -> list[int]:
    """The co-ops whose admin has not accepted this version yet."""
    return [c for c in (row.coop_a_id, row.coop_b_id) if not accepted_by(row, c)]


def fully_accepted(row: SharingAgreement | None) -> bool:
    """Whether both co-ops accepted this version and it is still current."""
    return row is not None and row.superseded_at is None and not missing(row)


def do_accept(sharing_id: int, coop_id: int, *, actor: int | None) -> SharingAgreement:
    """The co-op's admin accepts the current version (again: nothing changes)."""
    row = access(sharing_id, coop_id)
    if row.superseded_at is not None:
        raise Conflict(str(_l("A newer version of this agreement replaces this one: "
                              "read and accept the newer version.")))
    cover = row.terms.get("insurance", {}).get(str(coop_id), {})
    if not cover.get("employers_liability") or not cover.get("public_liability"):
        raise ValidationError({"insurance": [str(_l(
            "Your co-op's insurance cover is not stated. Add your employer's liability and "
            "public liability cover in your lending terms; that makes a new version to "
            "accept."))]})
    if accepted_by(row, coop_id):
        return row
    side = "a" if coop_id == row.coop_a_id else "b"
    setattr(row, f"{side}_accepted_at", _now())
    setattr(row, f"{side}_accepted_by_account_id", actor)
    db.session.flush()
    audit.record(db.session, "lending.sharing_accepted", actor_account_id=actor,
                 coop_id=coop_id, sharing_agreement_id=row.id, version=row.version)
    return row


def check_revise(sharing_id: int, coop_id: int, arrangement: str, *,
                 actor: int | None) -> SharingAgreement:
    """Propose a different arrangement: a new version both admins must accept."""
    row = access(sharing_id, coop_id)
    if arrangement not in ARRANGEMENTS:
        raise ValidationError({"arrangement": [str(_l("Choose secondment or supply of staff."))]})
    if row.superseded_at is not None:
        raise Conflict(str(_l("A newer version of this agreement replaces this one.")))
    if arrangement == row.arrangement:
        raise ValidationError({"arrangement": [str(_l(
            "The agreement already uses this arrangement."))]})
    return _supersede(row, arrangement, "arrangement_changed", actor, coop_id)


def check_set_terms(coop_id: int, data: dict, *, actor: int | None) -> LendingTerms:
    """Set the co-op's lending terms; each pair agreement whose terms change gets a new
    version, which both co-ops must accept before their next loan is confirmed."""
    errors = {}
    for name in rates.BASIS_FIELDS + ("wage",):
        value = data.get(name)
        if value is None or Decimal(value) < 0 or (name.endswith("_percent")
                                                   and Decimal(value) > 100):
            errors[name] = [str(_l("Enter an amount of zero or more (a percentage at most "
                                   "100)."))]
    if data.get("arrangement") not in ARRANGEMENTS:
        errors["arrangement"] = [str(_l("Choose secondment or supply of staff."))]
    if errors:
        raise ValidationError(errors)
    terms = db.session.get(LendingTerms, coop_id)
    if terms is None:
        terms = LendingTerms(coop_id=coop_id, **rates.DEFAULTS)
        db.session.add(terms)
    for name in (*rates.BASIS_FIELDS, "wage", "arrangement", "employers_liability",
                 "public_liability"):
        value = data.get(name, getattr(terms, name))
        setattr(terms, name, value.strip() if isinstance(value, str) else value)
    terms.updated_by_account_id = actor
    terms.updated_at = _now()
    db.session.flush()
    audit.record(db.session, "lending.terms_set", actor_account_id=actor, coop_id=coop_id)
    for row in list(db.session.scalars(select(SharingAgreement).where(
            or_(SharingAgreement.coop_a_id == coop_id, SharingAgreement.coop_b_id == coop_id),
            SharingAgreement.superseded_at.is_(None)))):
        if _snapshot(row.coop_a_id, row.coop_b_id) != row.terms:
            _supersede(row, row.arrangement, "terms_changed", actor, coop_id)
    return terms


def check_confirm(agreement: LendingAgreement, actor: int | None) -> None:
    """Refuse to confirm a loan unless both co-ops accepted the pair's current agreement;
    otherwise fix the loan's rate parts on the lender's basis in that version."""
    row = current(agreement.lender_coop_id, agreement.borrower_coop_id)
    if not fully_accepted(row):
        waiting = missing(row) if row is not None else [agreement.lender_coop_id,
                                                         agreement.borrower_coop_id]
        names = ", ".join(sorted(registry.names_by_id(waiting).values()))
        audit.record_despite_rollback(
            "lending.confirm_refused", actor_account_id=actor,
            coop_id=agreement.borrower_coop_id, outcome="refused", agreement_id=agreement.id,
            rules=["sharing_agreement"], waiting_coop_ids=waiting)
        raise ValidationError({"sharing_agreement": [str(_l(
            "The agreement between the two co-ops for lending staff has not been accepted "
            "by: %(names)s. Both co-ops' admins must accept its current version before this "
            "loan can be confirmed.", names=names))]})
    rates.do_fix(agreement, row.id, row.terms["rates"][str(agreement.lender_coop_id)])


def coop_names(row: SharingAgreement) -> dict[int, str]:
    """The pair's names, by co-op id."""
    return registry.names_by_id([row.coop_a_id, row.coop_b_id])

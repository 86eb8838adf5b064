"""Reading and changing the co-op's legal position and its CIW-registered services.

Naming: ``get_*`` reads, ``set_*``/``add_*``/``remove_*`` change. Functions flush; the
request boundary (or the job wrapper) commits. Every change writes an audit row in the
same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.errors import NotFound, ValidationError
from core.timeutil import local_now
from tenants.audit.service import record
from tenants.context import tenant_session
from tenants.position.models import (
    DEFAULT_DBS_CHECK_DAYS,
    LEGAL_FORMS,
    SERVICE_TYPES,
    SOCIETY_FORMS,
    UNREGISTERED_FORMS,
    LegalPosition,
    RegisteredService,
)

POSITION_FIELDS = ("legal_form", "fca_society_number", "registered_on", "dbs_status_check_days")
SERVICE_FIELDS = ("service_type", "ciw_service_id", "responsible_individual",
                  "registered_manager", "rating_url", "registered_on")


@dataclass(frozen=True)
class Facts:
    """The facts that decide which rules apply to the co-op, as plain data."""

    legal_form: str = "not_decided"
    service_types: frozenset[str] = frozenset()
    dbs_status_check_days: int = DEFAULT_DBS_CHECK_DAYS

    @property
    def registered_service(self) -> bool:
        """True when the co-op runs at least one CIW-registered service."""
        return bool(self.service_types)


def get_position() -> LegalPosition:
    """The co-op's legal position; a co-op that never recorded one is "not decided"."""
    position = tenant_session().get(LegalPosition, 1)
    if position is None:
        return LegalPosition(id=1, legal_form="not_decided",
                             dbs_status_check_days=DEFAULT_DBS_CHECK_DAYS)
    return position


@dataclass(frozen=True)
class Summary:
    """The position with its services, as the API returns it."""

    legal_form: str
    fca_society_number: str | None
    registered_on: date | None
    dbs_status_check_days: int
    services: list[RegisteredService]


def get_summary() -> Summary:
    """The co-op's position and every registered service."""
    position = get_position()
    return Summary(position.legal_form, position.fca_society_number, position.registered_on,
                   position.dbs_status_check_days, list_services())


def list_services() -> list[RegisteredService]:
    """The co-op's CIW-registered services, by type and service ID."""
    return list(tenant_session().scalars(select(RegisteredService).order_by(
        RegisteredService.service_type, RegisteredService.ciw_service_id)))


def get_facts() -> Facts:
    """The position and service types, read once, for the rules."""
    position = get_position()
    types = tenant_session().scalars(select(RegisteredService.service_type).distinct())
    return Facts(position.legal_form, frozenset(types), position.dbs_status_check_days)


def check_position(values: dict, on: date) -> None:
    """Refuse a position whose fields disagree with each other, naming each field."""
    errors: dict[str, list[str]] = {}
    form = values.get("legal_form")
    if form not in LEGAL_FORMS:
        errors["legal_form"] = [str(_l("Choose a legal form."))]
    if values.get("fca_society_number") and form not in SOCIETY_FORMS:
        errors["fca_society_number"] = [str(_l(
            "Only a registered society has an FCA society number: leave it empty for this "
            "legal form."))]
    if values.get("registered_on") is not None:
        if form in UNREGISTERED_FORMS:
            errors["registered_on"] = [str(_l(
                "A group that is not incorporated has no registration date: leave it empty."))]
        elif values["registered_on"] > on:
            errors["registered_on"] = [str(_l("The registration date must not be in the "
                                              "future."))]
    days = values.get("dbs_status_check_days")
    if days is not None and not 1 <= days <= 1095:
        errors["dbs_status_check_days"] = [str(_l("Enter a number of days from 1 to 1095."))]
    if errors:
        raise ValidationError(errors)


def set_position(data: dict, *, actor_account_id: int | None) -> LegalPosition:
    """Record the co-op's legal position; audited as ``position.updated``.

    ``data`` is a dict with any of these keys (those absent keep their stored value):

    - ``legal_form`` (str): one of ``LEGAL_FORMS``: ``co_operative_society``,
      ``community_benefit_society``, ``charitable_cbs``, ``company_limited_by_guarantee``,
      ``cic``, ``not_incorporated``, ``not_decided``;
    - ``fca_society_number`` (str or None): only for the three society forms;
    - ``registered_on`` (``datetime.date`` or None): not in the future, not for an
      unincorporated group;
    - ``dbs_status_check_days`` (int, 1 to 1095): how often the co-op checks an Update
      Service certificate's status (default 365).

    ``actor_account_id`` is the account making the change (None for a system job).
    Raises ``core.errors.ValidationError`` naming each refused field; nothing is written
    then. Flushes only: the caller's transaction commits.
    """
    session = tenant_session()
    position = session.get(LegalPosition, 1)
    current = {name: getattr(position, name) if position else None for name in POSITION_FIELDS}
    if position is None:
        current.update(legal_form="not_decided", dbs_status_check_days=DEFAULT_DBS_CHECK_DAYS)
    wanted = {**current, **{k: v for k, v in data.items() if k in POSITION_FIELDS}}
    unknown = sorted(set(data) - set(POSITION_FIELDS))
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in unknown})
    check_position(wanted, local_now().date())
    if position is None:
        position = LegalPosition(id=1)
        session.add(position)
    changed = sorted(name for name in POSITION_FIELDS if wanted[name] != current[name])
    for name in POSITION_FIELDS:
        setattr(position, name, wanted[name])
    session.flush()
    record(session, "position.updated", actor_account_id=actor_account_id,
           subject_type="position", subject_id=1, fields=changed,
           legal_form=position.legal_form)
    return position


def check_service(values: dict) -> None:
    """Refuse a registered service with a bad type or rating link, naming each field."""
    errors: dict[str, list[str]] = {}
    if values.get("service_type") not in SERVICE_TYPES:
        errors["service_type"] = [str(_l("Choose the type of service."))]
    link = values.get("rating_url")
    if link and not link.startswith("https://"):
        errors["rating_url"] = [str(_l("Enter the rating link as a web address starting "
                                       "https://"))]
    taken = tenant_session().scalar(select(RegisteredService.id).where(
        RegisteredService.ciw_service_id == values.get("ciw_service_id")))
    if taken is not None:
        errors["ciw_service_id"] = [str(_l("This CIW service ID is already recorded."))]
    if values.get("registered_on") is not None and values["registered_on"] > local_now().date():
        errors["registered_on"] = [str(_l("The registration date must not be in the future."))]
    if errors:
        raise ValidationError(errors)


def add_service(data: dict, *, actor_account_id: int | None) -> RegisteredService:
    """Record a CIW-registered service; audited as ``position.service_added``.

    ``data``: ``service_type`` (one of ``SERVICE_TYPES``), ``ciw_service_id``,
    ``responsible_individual``, and optionally ``registered_manager``, ``rating_url``
    (https) and ``registered_on``.
    """
    check_service(data)
    session = tenant_session()
    service = RegisteredService(**{k: data.get(k) for k in SERVICE_FIELDS})
    session.add(service)
    session.flush()
    record(session, "position.service_added", actor_account_id=actor_account_id,
           subject_type="registered_service", subject_id=service.id,
           service_type=service.service_type, ciw_service_id=service.ciw_service_id)
    return service


def remove_service(service_id: int, *, actor_account_id: int | None) -> None:
    """Remove a registered service (it closed or was recorded by mistake); audited."""
    session = tenant_session()
    service = session.get(RegisteredService, service_id)
    if service is None:
        raise NotFound(gettext("No such registered service."))
    record(session, "position.service_removed", actor_account_id=actor_account_id,
           subject_type="registered_service", subject_id=service.id,
           service_type=service.service_type, ciw_service_id=service.ciw_service_id)
    session.delete(service)
    session.flush()

"""Helpers shared by the workforce and clients tests: valid payloads, people, row counts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tenants.audit.models import TenantAuditEvent
from tenants.workforce.service import today
from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD, add_member, create_account


def days(n: int) -> str:
    """Today plus ``n`` days, as an ISO date."""
    return (today() + timedelta(days=n)).isoformat()


def worker_payload(**overrides) -> dict:
    """A worker whose checks are all valid for months."""
    body = {
        "display_name": "Elin Pritchard", "welsh_level": "fluent", "started_on": days(-400),
        "scw_registration_number": "SCW1234567", "scw_expires_on": days(300),
        "dbs_certificate_date": days(-200), "dbs_update_service": False,
        "contracted_hours": 37.5, "wt_opt_out": False, "base_la_code": "W06000002",
        "base_postcode_district": "ll55", "travel_radius_km": 15,
        "skills": ["personal_care", "dementia"],
        "availability": [{"weekday": 0, "starts": "09:00", "ends": "13:00"},
                         {"weekday": 2, "starts": "14:00", "ends": "18:30"}],
    }
    body.update(overrides)
    return body


def client_payload(**overrides) -> dict:
    """A client record with nothing wrong with it."""
    body = {"display_name": "Mrs Gwen Jones", "funding_source": "direct_payment",
            "need_types": ["personal_care", "dementia"], "age_band": "85+",
            "la_code": "W06000002", "postcode_district": "LL55", "preferred_language": "cy",
            "regular_carers": []}
    body.update(overrides)
    return body


def person(app, coop, role: str, name: str = "Test Person"):
    """A new account with ``role`` in ``coop``."""
    account = create_account(app, name=name)
    add_member(app, coop, account, role)
    return account


def browser(app, account):
    """A test client signed in as ``account``."""
    client = app.test_client()
    assert sign_in(client, account.email, PASSWORD).status_code == 302
    return client


def count(coop_session, coop, model) -> int:
    """How many rows of ``model`` the co-op's store holds."""
    with coop_session(coop) as session:
        return session.scalar(select(func.count()).select_from(model))


def audit_rows(coop_session, coop, action: str) -> list[TenantAuditEvent]:
    """The co-op's audit rows with ``action``, oldest first (detached copies)."""
    with coop_session(coop) as session:
        rows = list(session.scalars(select(TenantAuditEvent).where(
            TenantAuditEvent.action == action).order_by(TenantAuditEvent.id)))
        session.expunge_all()
        return rows


def register_dss(coop_session, coop, ciw_service_id: str = "SIN-00000001") -> None:
    """Record a CIW-registered domiciliary support service in ``coop`` (SCW then applies)."""
    from tenants.position.models import RegisteredService

    with coop_session(coop) as session:
        session.add(RegisteredService(service_type="domiciliary_support",
                                      ciw_service_id=ciw_service_id,
                                      responsible_individual="Mair Owen"))

"""Fixtures for the agency tests: agencies, their advisors, signed-in clients, audit rows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.db import db
from federation.agencies.models import Agency, AgencyAdvisor
from federation.extensions import limiter
from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD, create_account, unique


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    """Many tests sign people in; the sign-in limit is not what they are about."""
    limiter.reset()


def create_agency(app, name: str | None = None) -> Agency:
    """Commit an agency with a unique name and return it (detached)."""
    with app.app_context():
        agency = Agency(name=name or unique("Agency"), name_cy=unique("Asiantaeth"))
        db.session.add(agency)
        db.session.commit()
        db.session.refresh(agency)
        db.session.expunge(agency)
        return agency


def create_advisor(app, *agencies: Agency):
    """A new account advising for ``agencies``."""
    account = create_account(app, name="Advisor Person")
    with app.app_context():
        db.session.add_all(AgencyAdvisor(agency_id=a.id, account_id=account.id)
                           for a in agencies)
        db.session.commit()
    return account


@pytest.fixture
def make_agency(app):
    """Factory: ``make_agency(name=None)``."""
    return lambda name=None: create_agency(app, name)


@pytest.fixture
def make_advisor(app):
    """Factory: ``make_advisor(*agencies)``."""
    return lambda *agencies: create_advisor(app, *agencies)


@pytest.fixture
def signed_in_client(app):
    """Factory: a fresh test client signed in as ``account``."""

    def make(account):
        limiter.reset()
        client = app.test_client()
        assert sign_in(client, account.email, PASSWORD).status_code == 302
        return client

    return make


def audit_rows(app, action: str, **where) -> list[AuditEvent]:
    """Audit rows of ``action`` matching the given columns, oldest first."""
    with app.app_context():
        stmt = select(AuditEvent).where(AuditEvent.action == action)
        for column, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, column) == value)
        rows = db.session.scalars(stmt.order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return rows

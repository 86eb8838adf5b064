"""Client data never leaves a co-op: scan every federation table after a full loan."""

from __future__ import annotations

import secrets

from sqlalchemy import Text, cast, select

import federation.models
from core.db import db
from tenants.clients import schemas as client_schemas
from tenants.clients.service import do_create_client
from tenants.lending.models import GuestAssignment, LendingCommitment
from tests.fixtures.factories import drain_jobs
from tests.services.lending.helpers import (
    confirm_loan_via_api,
    next_weekday,
    pool_coop,
    pool_worker,
    request_body,
)
from tests.tenants.workforce.helpers import client_payload

CLIENT_WORDS = ("client", "patient", "service_user")
#: "Client" there means an OAuth client application, not a person receiving care.
OAUTH_TABLES = ("oauth_",)
#: Password hashes the app's own login cannot read on PostgreSQL (issue 14's vault): a hash
#: holds no client data, and only the security-definer functions see it.
HIDDEN_FROM_THE_APP = {("accounts", "password_hash"), ("email_verifications", "password_hash")}


def _seed_clients(coop_session, coop, marker: str) -> list[str]:
    names = [f"Zephyrine {marker} Quillfeather", f"Bartholomew {marker} Nightingale"]
    with coop_session(coop):
        for name in names:
            do_create_client(client_schemas.ClientIn().load(client_payload(
                display_name=name, postcode_district="SA99")), actor_account_id=1)
    return names


def test_no_federation_table_holds_a_client_field_or_value(app, api_client, coop_session):
    lender, lender_admin = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    marker = secrets.token_hex(6)
    names = _seed_clients(coop_session, lender, marker) + _seed_clients(coop_session, borrower,
                                                                        marker)
    _worker_id, account, ref = pool_worker(app, lender, coop_session)
    borrow, lend, worker = (api_client(borrower_admin), api_client(lender_admin),
                            api_client(account))
    _request_id, _agreement_id, confirmed = confirm_loan_via_api(
        app, borrow, lend, worker, borrower, lender, ref, request_body(next_weekday(1)))
    assert confirmed.status_code == 200
    drain_jobs(app)

    metadata = federation.models.metadata
    assert {"pool_profiles", "lending_requests", "lending_agreements",
            "ledger_entries"} <= {t.name for t in metadata.tables.values()}
    for table in metadata.tables.values():
        if table.name.startswith(OAUTH_TABLES):
            continue
        for column in table.columns:
            assert not any(word in column.name.lower() for word in CLIENT_WORDS), (
                f"{table.name}.{column.name} looks like client data")

    with app.app_context():
        scanned = 0
        for table in metadata.tables.values():
            for column in table.columns:
                if (table.name, column.name) in HIDDEN_FROM_THE_APP:
                    continue
                for value in db.session.scalars(select(cast(column, Text)).where(
                        column.is_not(None))):
                    scanned += 1
                    for name in names:
                        assert marker not in str(value), (
                            f"{table.name}.{column.name} holds client data: {name}")
                    assert "SA99" not in str(value), f"{table.name}.{column.name}"
        assert scanned > 0

    # The lender's rota entry carries no client at all; the borrower keeps its own.
    columns = {c.name for c in LendingCommitment.__table__.columns}
    assert not any(word in c for c in columns for word in CLIENT_WORDS)
    with coop_session(borrower) as session:
        assert session.scalars(select(GuestAssignment)).all()


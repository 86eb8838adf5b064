"""The agreement between a pair of co-ops (issue 11): no confirmed loan without a current
version both admins accepted; a new version blocks until both accept again; the rate's
parts are fixed under it."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from core.audit import AuditEvent
from core.db import db
from federation.accounts.models import Account
from services.lending import compliance, pair_agreements, rates
from services.lending.models import LendingAgreement, LoanRate, SharingAgreement
from tenants.registry.models import Coop
from tests.services.lending.helpers import (
    INSURANCE,
    accept_pair,
    next_weekday,
    pool_coop,
    pool_worker,
    request_body,
    state_insurance,
)


def accepted_loan(app, clients, coop_session, day=None):
    """A loan the worker accepted, with the borrower's compliance records but no pair
    agreement accepted. Returns (lender, lender_admin, borrower, borrower_admin, id)."""
    lender, lender_admin = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    with app.app_context():  # names of their own, to tell them apart in messages
        for coop, name in ((lender, "Gofal Benthyg"), (borrower, "Gofal Derbyn")):
            db.session.get(Coop, coop.id).name = coop.name = f"{name} {coop.id}"
        db.session.commit()
    _worker_id, worker_account, ref = pool_worker(app, lender, coop_session)
    borrow = clients(borrower_admin)
    request_id = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests",
                             json=request_body(day or next_weekday(4))).get_json()["id"]
    agreement_id = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests/{request_id}/offers",
                               json={"worker_ref": ref}).get_json()["id"]
    clients(lender_admin).post(f"/api/v1/c/{lender.slug}/lending/offers/{agreement_id}/approve")
    clients(worker_account).post(
        f"/api/v1/c/{lender.slug}/lending/my-offers/{agreement_id}/accept")
    with app.app_context():
        compliance.do_record_all(db.session.get(LendingAgreement, agreement_id),
                                 borrower_actor=None, lender_actor=None)
        db.session.commit()
    return lender, lender_admin, borrower, borrower_admin, agreement_id


def _confirm(clients, borrower, admin, agreement_id):
    return clients(admin).post(
        f"/api/v1/c/{borrower.slug}/lending/offers/{agreement_id}/confirm")


def test_a_loan_between_a_pair_with_no_accepted_agreement_cannot_be_confirmed(
        app, clients, coop_session):
    lender, lender_admin, borrower, borrower_admin, agreement_id = accepted_loan(
        app, clients, coop_session)
    # The first offer between the pair made version 1, accepted by nobody yet.
    lend = clients(lender_admin)
    listed = lend.get(f"/api/v1/c/{lender.slug}/lending/sharing-agreements")
    assert listed.status_code == 200, listed.get_json()
    [version] = [v for v in listed.get_json() if borrower.id in (v["coop_a_id"], v["coop_b_id"])]
    assert version["version"] == 1 and version["accepted_by"] == []
    assert version["arrangement"] == "supply_of_staff"
    assert "VATSC03540" in version["vat_note"]

    refused = _confirm(clients, borrower, borrower_admin, agreement_id)
    assert refused.status_code == 422
    [message] = refused.get_json()["errors"]["sharing_agreement"]
    assert lender.name in message and borrower.name in message

    # The lender accepts (after stating its insurance): the borrower is still missing.
    state_insurance(app, lender.id, borrower.id)
    version_id = lend.get(f"/api/v1/c/{lender.slug}/lending/sharing-agreements").get_json()
    version_id = [v for v in version_id if borrower.id in (v["coop_a_id"], v["coop_b_id"])][0]
    accepted = lend.post(f"/api/v1/c/{lender.slug}/lending/sharing-agreements/"
                         f"{version_id['id']}/accept")
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["accepted_by"] == [lender.id]
    welsh_name = f"Cwmni Derbyn {borrower.id}"
    with app.app_context():  # the borrower's admin reads Welsh, and it has a Welsh name
        db.session.get(Account, borrower_admin.id).locale = "cy"
        db.session.get(Coop, borrower.id).name_cy = welsh_name
        db.session.commit()
    refused = _confirm(clients, borrower, borrower_admin, agreement_id)
    assert refused.status_code == 422
    [message] = refused.get_json()["errors"]["sharing_agreement"]
    assert welsh_name in message and borrower.name not in message
    assert lender.name not in message
    assert "cytundeb" in message  # in Welsh for a Welsh reader
    page = clients(borrower_admin).get(f"/c/{borrower.slug}/lending/sharing/{version_id['id']}")
    assert page.status_code == 200 and welsh_name in page.get_data(as_text=True)

    # Another co-op cannot see or accept the pair's agreement.
    stranger, stranger_admin = pool_coop(app, "W06000004")
    assert clients(stranger_admin).post(
        f"/api/v1/c/{stranger.slug}/lending/sharing-agreements/{version_id['id']}/accept"
    ).status_code == 404

    clients(borrower_admin).post(f"/api/v1/c/{borrower.slug}/lending/sharing-agreements/"
                                    f"{version_id['id']}/accept")
    confirmed = _confirm(clients, borrower, borrower_admin, agreement_id)
    assert confirmed.status_code == 200, confirmed.get_json()
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.in_(["lending.sharing_version", "lending.sharing_accepted",
                                   "lending.confirm_refused"]),
            AuditEvent.coop_id.in_([lender.id, borrower.id, None]))))
        assert actions == {"lending.sharing_version", "lending.sharing_accepted",
                           "lending.confirm_refused"}
        refusals = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "lending.confirm_refused",
            AuditEvent.coop_id == borrower.id)).all()
        assert any(r.detail.get("rules") == ["sharing_agreement"] for r in refusals)


def test_a_new_version_blocks_until_both_accept(app, clients, coop_session):
    lender, lender_admin, borrower, borrower_admin, agreement_id = accepted_loan(
        app, clients, coop_session)
    first = accept_pair(app, lender.id, borrower.id)
    # The lender raises its overheads: a new version, which nobody has accepted yet.
    terms = clients(lender_admin).put(
        f"/api/v1/c/{lender.slug}/lending/terms",
        json={"wage": "13.00", "employer_ni_percent": "15.00", "pension_percent": "5.00",
              "holiday_percent": "12.07", "overheads_percent": "20.00",
              "travel_per_hour": "1.50", "arrangement": "secondment", **INSURANCE})
    assert terms.status_code == 200, terms.get_json()
    with app.app_context():
        current = pair_agreements.current(lender.id, borrower.id)
        before = db.session.get(SharingAgreement, first)
        assert current.version == before.version + 1 and before.superseded_at is not None
        assert current.reason == "terms_changed"
        assert pair_agreements.missing(current) == sorted([lender.id, borrower.id])
    refused = _confirm(clients, borrower, borrower_admin, agreement_id)
    assert refused.status_code == 422 and "sharing_agreement" in refused.get_json()["errors"]
    # Accepting the old version is refused; one side accepting the new one is not enough.
    old = clients(borrower_admin).post(
        f"/api/v1/c/{borrower.slug}/lending/sharing-agreements/{first}/accept")
    assert old.status_code == 409
    with app.app_context():
        pair_agreements.do_accept(current.id, borrower.id, actor=None)
        db.session.commit()
    assert _confirm(clients, borrower, borrower_admin, agreement_id).status_code == 422
    with app.app_context():
        pair_agreements.do_accept(current.id, lender.id, actor=None)
        db.session.commit()
    confirmed = _confirm(clients, borrower, borrower_admin, agreement_id)
    assert confirmed.status_code == 200, confirmed.get_json()
    with app.app_context():
        fixed = db.session.get(LoanRate, agreement_id)
        assert fixed.sharing_agreement_id == current.id
        # The wage offered (12.60) on the lender's basis in version 2.
        assert rates.RateParts.of(fixed) == rates.RateParts(
            wage=Decimal("12.60"), employer_ni=Decimal("1.89"), pension=Decimal("0.63"),
            holiday_pay=Decimal("1.52"), travel=Decimal("1.50"), overheads=Decimal("2.52"))
    rate = clients(borrower_admin).get(
        f"/api/v1/c/{borrower.slug}/lending/offers/{agreement_id}/rate").get_json()
    assert rate["total"] == "20.66" and rate["wage"] == "12.60"


def test_a_co_op_proposes_another_arrangement(app, clients, coop_session):
    lender, lender_admin, borrower, borrower_admin, _agreement_id = accepted_loan(
        app, clients, coop_session)
    first = accept_pair(app, lender.id, borrower.id)
    borrow = clients(borrower_admin)
    same = borrow.post(f"/api/v1/c/{borrower.slug}/lending/sharing-agreements/{first}/revise",
                       json={"arrangement": "supply_of_staff"})
    assert same.status_code == 422 and "arrangement" in same.get_json()["errors"]
    bad = borrow.post(f"/api/v1/c/{borrower.slug}/lending/sharing-agreements/{first}/revise",
                      json={"arrangement": "joint"})
    assert bad.status_code == 422 and "arrangement" in bad.get_json()["errors"]
    revised = borrow.post(f"/api/v1/c/{borrower.slug}/lending/sharing-agreements/{first}/revise",
                          json={"arrangement": "secondment"})
    assert revised.status_code == 201, revised.get_json()
    body = revised.get_json()
    was = borrow.get(f"/api/v1/c/{borrower.slug}/lending/sharing-agreements/{first}").get_json()
    assert was["current"] is False and sorted(was["accepted_by"]) == sorted(
        [lender.id, borrower.id])
    assert body["version"] == was["version"] + 1 and body["accepted_by"] == []
    assert body["arrangement"] == "secondment" and body["employer"].startswith("Secondment")


def test_bad_terms_are_refused_by_field_with_nothing_written(app, clients):
    coop, admin = pool_coop(app, "W06000002")
    _other, _ = pool_coop(app, "W06000003")
    response = clients(admin).put(
        f"/api/v1/c/{coop.slug}/lending/terms",
        json={"wage": "-1", "employer_ni_percent": "150", "pension_percent": "3",
              "holiday_percent": "12.07", "overheads_percent": "10", "travel_per_hour": "0",
              "arrangement": "supply_of_staff", **INSURANCE})
    assert response.status_code == 422
    assert {"wage", "employer_ni_percent"} <= set(response.get_json()["errors"])
    shown = clients(admin).get(f"/api/v1/c/{coop.slug}/lending/terms").get_json()
    assert shown["wage"] == "12.60" and shown["employers_liability"] == ""

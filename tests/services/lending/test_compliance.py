"""Issue 11's must-show: a borrower confirms a loan only with its own checks recorded.

Confirming without each record is refused naming that item (in Welsh too), with the codes
in ``rules``; with all of them it succeeds; every record, consent and refusal is audited.
A worker not on the DBS Update Service is never offered for a slot sooner than the rule
set's turnaround; Social Care Wales follows the borrower's registered services.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask import g
from sqlalchemy import select

from core.audit import AuditEvent
from core.db import db
from core.timeutil import local_now
from services.lending import compliance, matching
from services.lending import service as lending
from services.lending.compliance_models import DbsShare
from services.lending.models import LendingAgreement
from tenants.position.service import add_service
from tenants.rota.rules import Shift
from tests.services.lending.helpers import (
    accept_pair_of,
    at,
    eligible_refs,
    next_weekday,
    pool_coop,
    pool_worker,
    request_body,
)

BORROWER_ITEMS = ("dbs_status_check", "id_seen", "policies_introduced")


def _accepted(app, api_client, coop_session, *, borrower=None, worker_overrides=None,
              day=None):
    """A loan the worker has accepted: (lender, lender_admin, borrower, borrower_admin,
    agreement_id, worker_account)."""
    lender, lender_admin = pool_coop(app, "W06000002")
    if borrower is None:
        borrower = pool_coop(app, "W06000003")
    borrower, borrower_admin = borrower
    _worker_id, account, ref = pool_worker(app, lender, coop_session,
                                           **(worker_overrides or {}))
    day = day or next_weekday(5)
    borrow, lend = api_client(borrower_admin), api_client(lender_admin)
    request_id = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests",
                             json=request_body(day)).get_json()["id"]
    offered = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests/{request_id}/offers",
                          json={"worker_ref": ref})
    assert offered.status_code == 201, offered.get_json()
    agreement_id = offered.get_json()["id"]
    assert lend.post(f"/api/v1/c/{lender.slug}/lending/offers/{agreement_id}/approve"
                     ).status_code == 200
    assert api_client(account).post(
        f"/api/v1/c/{lender.slug}/lending/my-offers/{agreement_id}/accept"
    ).get_json()["state"] == "accepted"
    return lender, lender_admin, borrower, borrower_admin, agreement_id, account


def _record(client, coop, agreement_id, item, **extra):
    body = {"item": item, "checked_on": local_now().date().isoformat(),
            "checked_by": "Siân Roberts, coordinator", **extra}
    return client.post(f"/api/v1/c/{coop.slug}/lending/offers/{agreement_id}/checks",
                       json=body)


def test_confirming_needs_every_check_and_each_is_audited(app, api_client, coop_session):
    lender, lender_admin, borrower, borrower_admin, agreement_id, account = _accepted(
        app, api_client, coop_session)
    borrow, lend, worker = api_client(borrower_admin), api_client(lender_admin), \
        api_client(account)
    confirm = f"/api/v1/c/{borrower.slug}/lending/offers/{agreement_id}/confirm"

    refused = borrow.post(confirm)
    assert refused.status_code == 422
    body = refused.get_json()
    # No registered service at the borrower: Social Care Wales is not asked for.
    assert body["rules"] == ["dbs_status_check", "id_seen", "lender_attestation",
                             "policies_introduced"]
    assert any("status check" in m for m in body["errors"]["compliance"])
    # In Welsh too.
    with borrow.client.session_transaction() as browser:
        browser["locale"] = "cy"
    welsh = borrow.post(confirm).get_json()
    assert welsh["rules"] == body["rules"]
    assert any(m.startswith("Cofnodwch") and "GDG" in m for m in welsh["errors"]["compliance"])
    with borrow.client.session_transaction() as browser:
        browser["locale"] = "en"

    # The status check needs the worker's consent to share their certificate number.
    assert _record(borrow, borrower, agreement_id, "dbs_status_check",
                   result="no_change").status_code == 422
    bad = worker.put(f"/api/v1/c/{lender.slug}/lending/my-offers/{agreement_id}/dbs-share",
                     json={"certificate_number": "12345"})
    assert bad.status_code == 422 and "certificate_number" in bad.get_json()["errors"]
    shared = worker.put(f"/api/v1/c/{lender.slug}/lending/my-offers/{agreement_id}/dbs-share",
                        json={"certificate_number": "0012 3456 7890"})
    assert shared.status_code == 200, shared.get_json()
    checklist = borrow.get(f"/api/v1/c/{borrower.slug}/lending/offers/{agreement_id}/checks")
    assert checklist.get_json()["certificate_number"] == "001234567890"
    # The lender never sees the number, and cannot record the borrower's checks.
    lender_view = lend.get(f"/api/v1/c/{lender.slug}/lending/offers/{agreement_id}/checks")
    assert lender_view.get_json()["certificate_number"] is None
    assert _record(lend, lender, agreement_id, "id_seen").status_code == 422
    assert _record(borrow, borrower, agreement_id, "lender_attestation").status_code == 422

    for item in BORROWER_ITEMS:
        extra = {"result": "no_change"} if item == "dbs_status_check" else {}
        assert _record(borrow, borrower, agreement_id, item, **extra).status_code == 201
        still = borrow.post(confirm).get_json()
        assert item not in still["rules"]
    assert borrow.post(confirm).get_json()["rules"] == ["lender_attestation"]
    assert _record(lend, lender, agreement_id, "lender_attestation").status_code == 201
    accept_pair_of(app, agreement_id)  # the two co-ops' own agreement (the pair's part)
    confirmed = borrow.post(confirm)
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["state"] == "confirmed"

    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action.like("lending.%"))).all()
        mine = [r for r in rows if (r.detail or {}).get("agreement_id") == agreement_id]
        recorded = {r.detail["item"]: r for r in mine
                    if r.action == "lending.compliance_recorded"}
        assert set(recorded) == {*BORROWER_ITEMS, "lender_attestation"}
        assert recorded["id_seen"].actor_account_id == borrower_admin.id
        assert recorded["id_seen"].coop_id == borrower.id
        assert recorded["id_seen"].detail["checked_by"] == "Siân Roberts, coordinator"
        assert recorded["dbs_status_check"].detail["result"] == "no_change"
        assert recorded["lender_attestation"].actor_account_id == lender_admin.id
        assert all(r.at is not None for r in recorded.values())
        shares = [r for r in mine if r.action == "lending.dbs_shared"]
        assert [r.actor_account_id for r in shares] == [account.id]
        assert "001234567890" not in str([r.detail for r in mine])
        refusals = [r for r in mine if r.action == "lending.confirm_refused"]
        assert refusals and refusals[0].detail["rules"] == body["rules"]
        assert any(r.action == "lending.confirm" for r in mine)


def test_each_missing_record_alone_is_named(app, api_client, coop_session):
    *_rest, agreement_id, _account = _accepted(app, api_client, coop_session)
    with app.test_request_context():
        agreement = db.session.get(LendingAgreement, agreement_id)
        needed = compliance.required_items(agreement)
        assert needed == ["dbs_status_check", "id_seen", "lender_attestation",
                          "policies_introduced"]
        db.session.add(DbsShare(worker_ref=agreement.worker_ref,
                                borrower_coop_id=agreement.borrower_coop_id,
                                certificate_number="001234567890"))
        db.session.flush()
        for left_out in needed:
            savepoint = db.session.begin_nested()
            for item in needed:
                if item != left_out:
                    coop = (agreement.lender_coop_id if item == "lender_attestation"
                            else agreement.borrower_coop_id)
                    compliance.check_record(
                        agreement.id, coop,
                        {"item": item, "checked_on": local_now().date(), "checked_by": "A N",
                         "result": "no_change" if item == "dbs_status_check" else None},
                        actor=None)
            with pytest.raises(compliance.ComplianceRefusal) as refused:
                lending.do_confirm(agreement.id, agreement.borrower_coop_id, actor=None)
            assert refused.value.missing == [left_out]
            assert refused.value.problem_extra == {"rules": [left_out]}
            assert refused.value.errors["compliance"] == [str(compliance.MISSING[left_out])]
            # Its audit row waits to be written after the request's rollback, naming it.
            action, fields = g.pop("coopfed_lasting_audit")[-1]
            assert action == "lending.confirm_refused" and fields["rules"] == [left_out]
            assert fields["agreement_id"] == agreement.id and fields["outcome"] == "refused"
            savepoint.rollback()
        db.session.rollback()


def test_stale_or_adverse_dbs_evidence_does_not_count(app, api_client, coop_session):
    *_rest, agreement_id, _account = _accepted(app, api_client, coop_session)
    with app.test_request_context():
        agreement = db.session.get(LendingAgreement, agreement_id)
        db.session.add(DbsShare(worker_ref=agreement.worker_ref,
                                borrower_coop_id=agreement.borrower_coop_id,
                                certificate_number="001234567890"))
        first = min(s.starts_at for s in agreement.request.slots).date()
        for result, days_before, check_days, counts in (
                ("new_information", 1, 365, False),   # the certificate no longer counts
                ("no_change", 40, 30, False),         # older than the borrower's interval
                ("no_change", 1, 30, True)):
            compliance.check_record(agreement.id, agreement.borrower_coop_id, {
                "item": "dbs_status_check", "checked_by": "A N", "result": result,
                "checked_on": min(first, local_now().date()) - timedelta(days=days_before)},
                actor=None, check_days=check_days)
            assert ("dbs_status_check" not in compliance.missing_items(agreement)) is counts
        db.session.rollback()


def test_revoking_the_share_clears_the_number(app, api_client, coop_session):
    lender, _la, borrower, borrower_admin, agreement_id, account = _accepted(
        app, api_client, coop_session)
    worker = api_client(account)
    url = f"/api/v1/c/{lender.slug}/lending/my-offers/{agreement_id}/dbs-share"
    assert worker.put(url, json={"certificate_number": "001234567890"}).status_code == 200
    revoked = worker.delete(url)
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert worker.delete(url).status_code == 404
    checklist = api_client(borrower_admin).get(
        f"/api/v1/c/{borrower.slug}/lending/offers/{agreement_id}/checks").get_json()
    assert checklist["certificate_number"] is None
    with app.app_context():
        share = db.session.scalar(select(DbsShare).where(DbsShare.id == revoked.get_json()["id"]))
        assert share.certificate_number is None
        assert db.session.scalar(select(AuditEvent.id).where(
            AuditEvent.action == "lending.dbs_share_revoked",
            AuditEvent.actor_account_id == account.id)) is not None
    # Nobody else may share or revoke on the worker's behalf.
    assert api_client(borrower_admin).put(
        f"/api/v1/c/{borrower.slug}/lending/my-offers/{agreement_id}/dbs-share",
        json={"certificate_number": "001234567890"}).status_code == 404


def test_a_registered_domiciliary_borrower_must_check_social_care_wales(
        app, api_client, coop_session):
    borrower = pool_coop(app, "W06000003")
    with coop_session(borrower[0]):
        add_service({"service_type": "domiciliary_support",
                     "ciw_service_id": f"SIN-{uuid.uuid4().hex[:8]}",
                     "responsible_individual": "Gwen Hughes"}, actor_account_id=None)
    *_rest, agreement_id, _account = _accepted(app, api_client, coop_session,
                                               borrower=borrower)
    with app.app_context():
        agreement = db.session.get(LendingAgreement, agreement_id)
        assert agreement.request.scw_engagements == ["dp_pa", "employee", "self_employed"]
        assert "scw_checked" in compliance.required_items(agreement)


def test_not_on_the_update_service_needs_the_borrowers_own_dbs(app, api_client, coop_session):
    soon = next_weekday(5)
    later = local_now().date() + timedelta(days=matching.turnaround_days() + 3)
    lender, lender_admin = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    _id, _account, off = pool_worker(app, lender, coop_session, dbs_update_service=False)
    _id, _account, on = pool_worker(app, lender, coop_session, dbs_update_service=True)
    borrow = api_client(borrower_admin)
    requests_ = {}
    for name, day in (("soon", soon), ("later", later)):
        requests_[name] = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests",
                                      json=request_body(day)).get_json()["id"]
    # Sooner than the turnaround: never ranked nor offered; the Update Service one is.
    soon_refs = eligible_refs(app, requests_["soon"])
    assert off not in soon_refs and on in soon_refs
    refused = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests/{requests_['soon']}"
                          "/offers", json={"worker_ref": off})
    assert refused.status_code == 422
    assert "dbs_turnaround" in str(refused.get_json())
    # Far enough ahead: offered, and the checklist asks for the borrower's own certificate.
    assert {off, on} <= eligible_refs(app, requests_["later"])
    offered = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests/{requests_['later']}"
                          "/offers", json={"worker_ref": off})
    assert offered.status_code == 201, offered.get_json()
    checklist = borrow.get(f"/api/v1/c/{borrower.slug}/lending/offers/"
                           f"{offered.get_json()['id']}/checks").get_json()
    assert checklist["needs_own_dbs_application"] is True
    assert checklist["turnaround_days"] == matching.turnaround_days()
    assert checklist["missing"][0] == "dbs_own_certificate"
    page = borrow.client.get(f"/c/{borrower.slug}/lending/offers/"
                             f"{offered.get_json()['id']}/checks").get_data(as_text=True)
    assert ("The borrowing co-op needs its own DBS application, which typically takes "
            f"{matching.turnaround_days()} days") in page
    assert _record(borrow, borrower, offered.get_json()["id"], "dbs_status_check",
                   result="no_change").status_code == 422
    assert _record(borrow, borrower, offered.get_json()["id"],
                   "dbs_own_certificate").status_code == 201


def test_the_turnaround_is_rule_data():
    from tenants.rules.engine import default_ruleset

    rule = default_ruleset()["dbs_own_application"]
    days = rule.params["turnaround_days"]
    assert days == matching.turnaround_days() > 0
    assert rule.source_url.startswith("https://") and rule.title["cy"]
    today = local_now().date()
    slot = Shift(at(today + timedelta(days=days), 10), at(today + timedelta(days=days), 12))
    need = matching.Need(1, 52.0, -3.0, 0, False, (slot,), offered_on=today)
    off, on = SimpleNamespace(dbs_update_service=False), SimpleNamespace(dbs_update_service=True)
    assert not matching.turnaround_fails(off, need, today)
    a_day_late = replace(need, offered_on=today + timedelta(days=1))
    assert matching.turnaround_fails(off, a_day_late, today)
    assert not matching.turnaround_fails(on, a_day_late, today)

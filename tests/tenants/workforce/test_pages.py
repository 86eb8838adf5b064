"""Workforce pages: add and change through the forms, filters, flags, checks, Welsh."""

from __future__ import annotations

import re

from tenants.workforce.models import Availability, Worker, WorkerSkill
from tests.fixtures.app import csrf_token
from tests.tenants.workforce.helpers import browser, count, days, register_dss, worker_payload

FORM = {"display_name": "Siân Hughes", "welsh_level": "fluent", "started_on": days(-500),
        "scw_registration_number": "SCW7654321", "scw_expires_on": days(20),
        "dbs_certificate_date": days(-100), "contracted_hours": "24",
        "base_la_code": "W06000001", "base_postcode_district": "ll77",
        "travel_radius_km": "25", "active": "yes",
        "avail-0-0-starts": "09:00", "avail-0-0-ends": "12:00",
        "avail-4-1-starts": "13:00", "avail-4-1-ends": "17:00"}


def _post(web, path, data, skills=("personal_care", "end_of_life")):
    body = {**data, "csrf_token": csrf_token(web, path)}
    body_items = list(body.items()) + [("skills", s) for s in skills]
    return web.post(path, data=_multi(body_items))


def _multi(items):
    from werkzeug.datastructures import MultiDict

    return MultiDict(items)


def test_add_and_change_a_worker_through_the_forms(app, two_coops, coop_session):
    (a, admin_a), (b, _) = two_coops
    register_dss(coop_session, a)  # SCW registration applies, so its expiry is flagged
    web = browser(app, admin_a)
    added = _post(web, f"/c/{a.slug}/workforce/new", FORM)
    assert added.status_code == 302, added.get_data(as_text=True)
    detail = web.get(added.headers["Location"]).get_data(as_text=True)
    assert "Siân Hughes" in detail and "Worker added" in detail
    assert "End of life care" in detail and "LL77" in detail and "Isle of Anglesey" in detail
    assert "Expiring" in detail and "govuk-tag--yellow" in detail
    with coop_session(a) as session:
        worker = session.query(Worker).one()
        assert [s.skill for s in worker.skills] == ["end_of_life", "personal_care"]
        assert [(w.weekday, w.starts.hour, w.ends.hour) for w in worker.availability] == [
            (0, 9, 12), (4, 13, 17)]
        worker_id = worker.id
    assert count(coop_session, b, Worker) == 0

    edit_path = f"/c/{a.slug}/workforce/{worker_id}/edit"
    form = web.get(edit_path).get_data(as_text=True)
    assert 'value="SCW7654321"' in form and 'value="13:00"' in form
    changed = _post(web, edit_path, {**FORM, "welsh_level": "learner", "avail-4-1-starts": "",
                                     "avail-4-1-ends": ""}, skills=("hoist",))
    assert changed.status_code == 302
    with coop_session(a) as session:
        worker = session.get(Worker, worker_id)
        assert worker.welsh_level == "learner"
        assert [s.skill for s in worker.skills] == ["hoist"]
        assert len(worker.availability) == 1


def test_bad_form_shows_errors_beside_fields_and_writes_nothing(app, two_coops, coop_session):
    (a, admin_a), (b, _) = two_coops
    web = browser(app, admin_a)
    tables = (Worker, WorkerSkill, Availability)
    before = [count(coop_session, c, t) for c in (a, b) for t in tables]
    bad = {**FORM, "display_name": "", "contracted_hours": "-3", "wt_opt_out": "yes",
           "avail-2-0-starts": "15:00", "avail-2-0-ends": "10:00"}
    response = _post(web, f"/c/{a.slug}/workforce/new", bad, skills=("juggling",))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "govuk-error-summary" in page
    for field in ("display_name", "contracted_hours", "availability", "skills"):
        assert f'href="#{field}"' in page and f'id="{field}-error"' in page, field
    assert 'value="15:00"' in page  # answers are kept
    assert [count(coop_session, c, t) for c in (a, b) for t in tables] == before
    # The opt-out rule is the service's: it too is named beside its field.
    response = _post(web, f"/c/{a.slug}/workforce/new", {**FORM, "wt_opt_out": "yes"})
    assert response.status_code == 422
    assert 'id="wt_opt_out_signed_on-error"' in response.get_data(as_text=True)


def test_list_filters_and_flags(app, two_coops, api_client, coop_session):
    (a, admin_a), (b, admin_b) = two_coops
    register_dss(coop_session, a)
    api = api_client(admin_a)
    api.post(f"/api/v1/c/{a.slug}/workers", json=worker_payload(
        display_name="Aled Hoist", welsh_level="fluent", skills=["hoist"],
        scw_expires_on=days(20)))
    api.post(f"/api/v1/c/{a.slug}/workers", json=worker_payload(
        display_name="Bethan Driver", welsh_level="none", skills=["driving"],
        scw_expires_on=days(40)))
    api_client(admin_b).post(f"/api/v1/c/{b.slug}/workers",
                             json=worker_payload(display_name="Only In B"))
    web = browser(app, admin_a)
    everyone = web.get(f"/c/{a.slug}/workforce/").get_data(as_text=True)
    assert "Aled Hoist" in everyone and "Bethan Driver" in everyone
    assert "Only In B" not in everyone
    assert '<caption class="govuk-table__caption govuk-table__caption--m">2 workers' in everyone
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', everyone, re.S)
    aled = next(r for r in rows if "Aled Hoist" in r)
    bethan = next(r for r in rows if "Bethan Driver" in r)
    assert "Expiring" in aled and "20 days left" in aled
    assert "Expiring" not in bethan and "Valid" in bethan
    hoist = web.get(f"/c/{a.slug}/workforce/?skill=hoist").get_data(as_text=True)
    assert "Aled Hoist" in hoist and "Bethan Driver" not in hoist
    none = web.get(f"/c/{a.slug}/workforce/?welsh_level=none").get_data(as_text=True)
    assert "Bethan Driver" in none and "Aled Hoist" not in none
    assert web.get(f"/c/{a.slug}/workforce/?skill=juggling").status_code == 422


def test_checks_page_is_sorted_by_urgency(app, two_coops, api_client, coop_session):
    (a, admin_a), (b, admin_b) = two_coops
    register_dss(coop_session, a)
    api = api_client(admin_a)
    for name, expires in (("Later", 25), ("Lapsed", -3), ("Fine", 60), ("Sooner", 4)):
        api.post(f"/api/v1/c/{a.slug}/workers",
                 json=worker_payload(display_name=name, scw_expires_on=days(expires)))
    api_client(admin_b).post(f"/api/v1/c/{b.slug}/workers", json=worker_payload(
        display_name="B Lapsed", scw_expires_on=days(-3)))
    page = browser(app, admin_a).get(f"/c/{a.slug}/workforce/checks").get_data(as_text=True)
    order = [page.index(name) for name in ("Lapsed", "Sooner", "Later")]
    assert order == sorted(order)
    assert "Fine" not in page and "B Lapsed" not in page
    assert "Not valid" in page and "4 days left" in page


def test_pages_speak_welsh(app, two_coops, api_client):
    (a, admin_a), _ = two_coops
    api_client(admin_a).post(f"/api/v1/c/{a.slug}/workers", json=worker_payload(
        skills=["dementia"], welsh_level="fluent"))
    web = browser(app, admin_a)
    web.get("/language/cy")
    page = web.get(f"/c/{a.slug}/workforce/").get_data(as_text=True)
    assert '<html lang="cy"' in page
    assert "Gofal dementia" in page and "Cymraeg rhugl" in page
    form = web.get(f"/c/{a.slug}/workforce/new").get_data(as_text=True)
    assert "Gofal dementia" in form and "Ynys Môn" in form

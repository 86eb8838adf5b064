""""I'd like ‹name› again" / "please not ‹name›": the rota warns, and lending ranks last."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from core.db import db
from services.lending import matching
from services.lending.models import LendingRequest
from tenants.lending import service as tenant_lending
from tenants.rota import service as rota
from tests.fixtures.app import csrf_token
from tests.services.lending.helpers import next_weekday, pool_coop, pool_worker, request_body
from tests.tenants.care_person.helpers import build_world, linked_person, monday
from tests.tenants.rota.helpers import make_client
from tests.tenants.workforce.helpers import browser

WARNING = "The person has asked not to have this worker."


def _warned(coop_session, coop) -> dict[int, list[str]]:
    with coop_session(coop):
        view = rota.week_view(monday())
    return {row.client_id: row.conflicts for day in view.days for row in day.rows}


def test_please_not_makes_the_rota_warn(app, two_coops, coop_session, api_client):
    a_place, b_place = build_world(two_coops, coop_session)
    (a, admin_a), (b, _) = two_coops
    person = linked_person(app, api_client, a_place)
    api = api_client(person)
    ceri, dafydd = a_place.workers
    mine, theirs = a_place.clients

    # Only a worker who visits them can be named; a worker of someone else cannot.
    refused = api.put(f"/api/v1/c/{a.slug}/my-care/wishes",
                      json={"worker": f"w{dafydd}", "wish": "not"})
    assert refused.status_code == 422 and "worker" in refused.get_json()["errors"]
    assert api.put(f"/api/v1/c/{a.slug}/my-care/wishes",
                   json={"worker": f"w{ceri}", "wish": "maybe"}).status_code == 422
    assert "not_wanted" not in _warned(coop_session, a)[mine]

    said = api.put(f"/api/v1/c/{a.slug}/my-care/wishes", json={"worker": f"w{ceri}",
                                                               "wish": "not"})
    assert said.status_code == 200, said.get_json()
    warned = _warned(coop_session, a)
    assert "not_wanted" in warned[mine] and "not_wanted" not in warned[theirs]
    assert all("not_wanted" not in found for found in _warned(coop_session, b).values())
    admin = browser(app, admin_a)
    page = admin.get(f"/c/{a.slug}/rota/clients/{mine}?week={monday().isoformat()}")
    assert WARNING in page.get_data(as_text=True)
    assert WARNING not in admin.get(f"/c/{a.slug}/rota/clients/{theirs}"
                                    f"?week={monday().isoformat()}").get_data(as_text=True)
    visit_path = f"/c/{a.slug}/rota/visits/{a_place.visits[0]}"
    assigned = admin.post(f"{visit_path}/assign", data={
        "worker_id": str(ceri), "csrf_token": csrf_token(admin, visit_path)})
    assert assigned.status_code == 302, assigned.get_data(as_text=True)
    assert WARNING in admin.get(visit_path).get_data(as_text=True)
    assert "You asked for someone other than Ceri" in api.client.get(
        f"/c/{a.slug}/my-care/").get_data(as_text=True)

    # Changing their mind, through the page's own button, clears the warning.
    form = {"worker": f"w{ceri}", "wish": "again", "client_id": str(mine),
            "csrf_token": csrf_token(api.client, f"/c/{a.slug}/my-care/")}
    assert api.client.post(f"/c/{a.slug}/my-care/wish", data=form).status_code == 302
    assert "not_wanted" not in _warned(coop_session, a)[mine]
    bad = api.client.post(f"/c/{a.slug}/my-care/wish", data={**form, "worker": "x" * 500})
    assert bad.status_code == 422


def test_please_not_ranks_a_lent_worker_last_in_lending(app, coop_session, api_client):
    lender, _ = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    _, _, asked_not = pool_worker(app, lender, coop_session, display_name="Xena Jones")
    _, _, other = pool_worker(app, lender, coop_session, display_name="Yolanda Hill")
    with coop_session(lender) as session:
        first_name = tenant_lending.first_name_by_ref(session, asked_not)
    assert first_name == "Xena"
    # Xena has been lent to this person before: continuity would put her first.
    starts = datetime.combine(monday() + timedelta(days=2), time(15))
    with coop_session(borrower) as session:
        client_id = make_client(session, display_name="Ifan Jenkins")
        tenant_lending.do_record_guest(
            session, agreement_id=10_000 + client_id, worker_ref=asked_not,
            lender_coop_id=lender.id, lender_name=lender.name, welsh_level="fluent",
            client_id=client_id, worker_first_name=first_name, slots=[tenant_lending.Slot(
                10_000 + client_id, starts, starts + timedelta(hours=1))])
    from tests.tenants.care_person.helpers import Place
    place = Place(borrower, borrower_admin, clients=[client_id])
    person = linked_person(app, api_client, place, name="Ifan Jenkins")
    api = api_client(person)
    week = api.get(f"/api/v1/c/{borrower.slug}/my-care/week").get_json()
    assert [(v["worker"], v["lent_from"]) for v in week["visits"]] == [("Xena", lender.name)]
    borrow = api_client(borrower_admin)
    saturday = next_weekday(5)

    def ranked() -> list[matching.Candidate]:
        made = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests",
                           json=request_body(saturday, client_id=client_id))
        assert made.status_code == 201, made.get_json()
        with app.app_context():
            stored = db.session.get(LendingRequest, made.get_json()["id"])
            return matching.find_candidates(matching.need_of(stored), limit=100_000)

    before = [c.worker_ref for c in ranked()]
    assert before[0] == asked_not and other in before
    said = api.put(f"/api/v1/c/{borrower.slug}/my-care/wishes",
                   json={"worker": week["visits"][0]["worker_key"], "wish": "not"})
    assert said.status_code == 200, said.get_json()
    after = ranked()
    assert after[-1].worker_ref == asked_not and after[-1].reasons["asked_not"] is True
    assert other in [c.worker_ref for c in after[:-1]]
    assert all(c.reasons["asked_not"] is False for c in after[:-1])

"""Recording the day a worker left (issue 13): API and page, audited, refused with the
field named (in Welsh too), and counted as a leaver in that week's statistics."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from tenants.stats import service as tenant_stats
from tenants.workforce.models import Worker
from tenants.workforce.service import today
from tests.fixtures.app import csrf_token
from tests.tenants.rota.helpers import make_worker
from tests.tenants.workforce.helpers import audit_rows, browser, days, worker_payload


def _leaving(api, coop, worker_id, left_on):
    return api.put(f"/api/v1/c/{coop.slug}/workers/{worker_id}/leaving",
                   json={"left_on": left_on})


def test_a_coordinator_records_and_clears_a_leaving_date_in_its_own_coop(
        two_coops, api_client, coop_session):
    (a, admin_a), (b, admin_b) = two_coops
    api_a, api_b = api_client(admin_a), api_client(admin_b)
    worker_id = api_a.post(f"/api/v1/c/{a.slug}/workers",
                           json=worker_payload(started_on=days(-100))).get_json()["id"]
    # Another co-op cannot see, let alone change, this worker.
    assert _leaving(api_b, b, worker_id, days(-3)).status_code == 404

    left = _leaving(api_a, a, worker_id, days(-3))
    assert left.status_code == 200, left.get_json()
    assert left.get_json()["left_on"] == days(-3) and left.get_json()["active"] is False
    [row] = audit_rows(coop_session, a, "worker.left")
    assert row.subject_id == worker_id and row.detail["left_on"] == days(-3)
    assert audit_rows(coop_session, b, "worker.left") == []

    cleared = _leaving(api_a, a, worker_id, None)
    assert cleared.get_json()["left_on"] is None and cleared.get_json()["active"] is True
    assert len(audit_rows(coop_session, a, "worker.leaving_cleared")) == 1


def test_a_bad_leaving_date_is_refused_naming_the_field_and_nothing_is_written(
        two_coops, api_client, coop_session):
    (a, admin_a), _ = two_coops
    api = api_client(admin_a)
    worker_id = api.post(f"/api/v1/c/{a.slug}/workers",
                         json=worker_payload(started_on=days(-100))).get_json()["id"]
    for left_on in (days(2), days(-101), "last Friday", 7):
        refused = _leaving(api, a, worker_id, left_on)
        assert refused.status_code == 422, (left_on, refused.get_json())
        assert "left_on" in str(refused.get_json()), refused.get_json()
    assert _leaving(api, a, worker_id, days(-1)).status_code == 200
    # Nor can the start date then move past the leaving date (the database agrees).
    moved = api.patch(f"/api/v1/c/{a.slug}/workers/{worker_id}", json={"started_on": days(0)})
    assert moved.status_code == 422 and "started_on" in str(moved.get_json())
    with coop_session(a) as session:
        worker = session.get(Worker, worker_id)
        assert worker.left_on == today() - timedelta(days=1)
    assert len(audit_rows(coop_session, a, "worker.left")) == 1


def test_the_page_records_a_leaving_date_and_explains_a_refusal_in_welsh(
        app, two_coops, api_client, coop_session):
    (a, admin_a), _ = two_coops
    worker_id = api_client(admin_a).post(f"/api/v1/c/{a.slug}/workers", json=worker_payload(
        started_on=days(-100))).get_json()["id"]
    web = browser(app, admin_a)
    path = f"/c/{a.slug}/workforce/{worker_id}"
    web.get("/language/cy")
    refused = web.post(f"{path}/leaving", data={"left_on": days(5),
                                                "csrf_token": csrf_token(web, path)})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'lang="cy"' in page and 'href="#left_on"' in page
    assert "Enter the day they left" not in page  # the message is in Welsh
    with coop_session(a) as session:
        assert session.get(Worker, worker_id).left_on is None
    done = web.post(f"{path}/leaving", data={"left_on": days(-2),
                                             "csrf_token": csrf_token(web, path)})
    assert done.status_code == 302
    with coop_session(a) as session:
        assert session.get(Worker, worker_id).left_on == today() - timedelta(days=2)


def test_leavers_are_counted_in_their_week_and_leave_the_workforce(two_coops, coop_session):
    (coop, _), (other, _) = two_coops
    week = tenant_stats.complete_weeks(date.today(), 1)[0]
    monday = datetime.strptime(week + "-1", "%G-W%V-%u").date()
    before = tenant_stats.iso_week(monday - timedelta(days=7))
    with coop_session(coop) as session:
        stays = make_worker(session, started_on=monday - timedelta(days=60))
        goes = make_worker(session, started_on=monday - timedelta(days=60))
        make_worker(session, started_on=monday - timedelta(days=60), active=False)  # no date
        session.get(Worker, goes).left_on = monday + timedelta(days=2)
        session.get(Worker, goes).active = False
        session.flush()
        rows = tenant_stats.compute(session, [before, week])
        assert session.scalar(select(Worker.id).where(Worker.id == stays)) == stays
    this_week = {(m, b, c): v for m, b, c, v in rows[week]}
    last_week = {(m, b, c): v for m, b, c, v in rows[before]}
    assert this_week[("workers_left", "", "")] == 1
    assert this_week[("workers", "", "")] == 1  # on the books at the week's end: one
    assert last_week[("workers_left", "", "")] == 0
    assert last_week[("workers", "", "")] == 2  # the leaver was still there
    with coop_session(other) as session:
        other_rows = {(m, b, c): v for m, b, c, v in tenant_stats.compute(session, [week])[week]}
    assert other_rows[("workers_left", "", "")] == 0

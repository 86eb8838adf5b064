"""The rota API: assignments refused naming the rule, bad input refused with nothing written,
roles, and the co-op boundary, on two co-ops."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from tenants.rota.models import Visit, VisitPattern
from tests.fixtures.factories import add_member
from tests.tenants.rota.helpers import count, make_client, make_visit, make_worker

MON = datetime(2026, 3, 2)
PROBLEM = "application/problem+json"


def at(day, hour, minute=0):
    return MON + timedelta(days=day, hours=hour, minutes=minute)


@pytest.fixture
def setup(coops, coop_session):
    """A client in each co-op; returns a function making a worker with shifts and a visit."""
    (a, admin_a), (b, _) = coops
    with coop_session(b) as session:
        make_client(session)  # co-op B has data too, untouched by every test here
    with coop_session(a) as session:
        client_id = make_client(session)

    def scenario(existing=(), candidate=None, visit_values=None, **worker):
        candidate = candidate or (at(0, 9), 60)
        with coop_session(a) as session:
            worker_id = make_worker(session, **worker)
            for start, minutes in existing:
                make_visit(session, client_id, start, minutes, worker_id=worker_id)
            visit_id = make_visit(session, client_id, candidate[0], candidate[1],
                                  **(visit_values or {}))
        return worker_id, visit_id

    return a, admin_a, client_id, scenario


def assign(api, coop, visit_id, worker_id):
    return api.post(f"/api/v1/c/{coop.slug}/visits/{visit_id}/assign",
                    json={"worker_id": worker_id})


REFUSALS = [
    ("checks", {"dbs_certificate_date": date(2020, 1, 1), "dbs_update_service": False}, (),
     (at(0, 9), 60), None),
    ("rest_11h", {}, [(at(0, 17), 300)], (at(1, 7), 60), None),
    ("max_48h", {}, [(at(d, h), 285) for d in range(5) for h in (7, 13)], (at(5, 9), 60), None),
    ("skills", {"skills": ("domestic",)}, (), (at(0, 9), 60), {"skills": ["hoist"]}),
    ("double_booking", {}, [(at(0, 9), 60)], (at(0, 9, 30), 60), None),
    ("break_20m", {}, [(at(0, 8), 180)], (at(0, 11, 10), 180), None),
    ("welsh", {"welsh_level": "learner"}, (), (at(0, 9), 60), {"welsh_required": True}),
]


@pytest.mark.parametrize(("rule", "worker", "existing", "candidate", "visit"), REFUSALS,
                         ids=[r[0] for r in REFUSALS])
def test_assignment_refused_naming_the_rule(setup, api_client, coop_session, rule, worker,
                                            existing, candidate, visit):
    coop, admin, _, scenario = setup
    worker_id, visit_id = scenario(existing, candidate, visit, **worker)
    response = assign(api_client(admin), coop, visit_id, worker_id)
    assert response.status_code == 422, response.get_json()
    assert response.headers["Content-Type"] == PROBLEM
    # People read the rule's plain title; machines read its code (checks by the check's rule).
    body = response.get_json()
    assert body["rules"] == ["dbs_policy" if rule == "checks" else rule]
    assert not any(m.startswith(rule) for m in body["errors"]["worker_id"])
    with coop_session(coop) as session:
        assert session.get(Visit, visit_id).worker_id is None


def test_48h_allowed_when_opted_out(setup, api_client, coop_session):
    coop, admin, _, scenario = setup
    existing = [(at(d, h), 285) for d in range(5) for h in (7, 13)]
    worker_id, visit_id = scenario(existing, (at(5, 9), 60), wt_opt_out=True,
                                   wt_opt_out_signed_on=date(2025, 1, 1))
    response = assign(api_client(admin), coop, visit_id, worker_id)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["worker_id"] == worker_id


def test_assignment_that_keeps_every_rule_is_saved(setup, api_client, coop_session):
    coop, admin, _, scenario = setup
    worker_id, visit_id = scenario([(at(0, 17), 300)], (at(1, 9), 60))
    assert assign(api_client(admin), coop, visit_id, worker_id).status_code == 200
    with coop_session(coop) as session:
        assert session.get(Visit, visit_id).worker_id == worker_id


def test_create_visit_with_worker_enforces_rules(setup, api_client, coop_session):
    coop, admin, client_id, scenario = setup
    worker_id, _ = scenario([(at(2, 9), 60)], (at(3, 9), 60))
    with coop_session(coop) as session:
        before = count(session, Visit)
    response = api_client(admin).post(f"/api/v1/c/{coop.slug}/visits", json={
        "client_id": client_id, "worker_id": worker_id, "starts_at": "2026-03-04T09:30",
        "ends_at": "2026-03-04T10:30"})
    assert response.status_code == 422
    assert response.get_json()["rules"] == ["double_booking"]
    with coop_session(coop) as session:
        assert count(session, Visit) == before


def _visit_body(client_id, **changes):
    return {"client_id": client_id, "starts_at": "2026-03-10T09:00",
            "ends_at": "2026-03-10T10:00", **changes}


BAD_VISITS = [
    ("missing", lambda c: {"client_id": c}, "starts_at"),
    ("wrong type", lambda c: {**_visit_body(c), "client_id": "abc"}, "client_id"),
    ("wrong type list", lambda c: _visit_body(c, skills="hoist"), "skills"),
    ("unknown skill", lambda c: _visit_body(c, skills=["flying"]), "skills.0"),
    ("NUL", lambda c: _visit_body(c, note="a\x00b"), "note"),
    ("ends before starts", lambda c: _visit_body(c, ends_at="2026-03-10T08:00"), "ends_at"),
    ("time zone", lambda c: _visit_body(c, starts_at="2026-03-10T09:00+01:00"), "starts_at"),
    ("unknown field", lambda c: _visit_body(c, colour="red"), "colour"),
    ("no such client", lambda c: {**_visit_body(c), "client_id": 999999}, "client_id"),
]


@pytest.mark.parametrize(("body", "field"), [b[1:] for b in BAD_VISITS],
                         ids=[b[0] for b in BAD_VISITS])
def test_bad_visit_refused_naming_the_field(setup, api_client, coop_session, body, field):
    coop, admin, client_id, _ = setup
    with coop_session(coop) as session:
        before = count(session, Visit)
    response = api_client(admin).post(f"/api/v1/c/{coop.slug}/visits", json=body(client_id))
    assert 400 <= response.status_code < 500
    assert response.headers["Content-Type"] == PROBLEM
    assert field in response.get_json()["errors"], response.get_json()
    with coop_session(coop) as session:
        assert count(session, Visit) == before


BAD_UPDATES = [
    ({"actual_start": "2026-03-02T10:00", "actual_end": "2026-03-02T09:00"}, "actual_end"),
    ({"actual_end": "2026-03-02T08:00"}, "actual_end"),  # before the recorded start
    ({"status": "done"}, "status"),
    ({"travel_minutes": "lots"}, "travel_minutes"),
    ({"note": "\x00"}, "note"),
]


@pytest.mark.parametrize(("body", "field"), BAD_UPDATES)
def test_bad_update_refused_naming_the_field(setup, api_client, coop_session, body, field):
    coop, admin, _, scenario = setup
    _, visit_id = scenario(visit_values={"actual_start": at(0, 9)})
    response = api_client(admin).patch(f"/api/v1/c/{coop.slug}/visits/{visit_id}", json=body)
    assert 400 <= response.status_code < 500
    assert response.headers["Content-Type"] == PROBLEM
    assert field in response.get_json()["errors"], response.get_json()
    with coop_session(coop) as session:
        visit = session.get(Visit, visit_id)
        assert (visit.status, visit.actual_end, visit.note) == ("scheduled", None, None)


@pytest.mark.parametrize(("path", "body", "field"), [
    ("patterns", {"client_id": 1}, "weekday"),
    ("patterns", {"client_id": 1, "weekday": 7, "starts": "09:00", "duration_minutes": 30},
     "weekday"),
    ("patterns", {"client_id": 1, "weekday": 1, "starts": "9am", "duration_minutes": 30},
     "starts"),
    ("patterns", {"client_id": 1, "weekday": 1, "starts": "09:00", "duration_minutes": 30,
                  "valid_from": "2026-03-02", "valid_until": "2026-03-01"}, "valid_until"),
    ("patterns", {"client_id": "\x00", "weekday": 1, "starts": "09:00",
                  "duration_minutes": 30}, "client_id"),
    ("rota/generate", {}, "week"),
    ("rota/generate", {"week": 5}, "week"),
    ("visits/1/assign", {}, "worker_id"),
    ("visits/1/assign", {"worker_id": "x"}, "worker_id"),
])
def test_bad_input_on_other_routes(setup, api_client, coop_session, path, body, field):
    coop, admin, _, _ = setup
    with coop_session(coop) as session:
        before = (count(session, Visit), count(session, VisitPattern))
    response = api_client(admin).post(f"/api/v1/c/{coop.slug}/{path}", json=body)
    assert 400 <= response.status_code < 500
    assert response.headers["Content-Type"] == PROBLEM
    assert field in response.get_json()["errors"], response.get_json()
    with coop_session(coop) as session:
        assert (count(session, Visit), count(session, VisitPattern)) == before


def test_ten_megabyte_body_is_refused(setup, api_client, coop_session):
    coop, admin, client_id, _ = setup
    with coop_session(coop) as session:
        before = count(session, Visit)
    response = api_client(admin).post(f"/api/v1/c/{coop.slug}/visits",
                                      json=_visit_body(client_id, note="x" * 10_000_000))
    assert response.status_code == 413
    assert response.headers["Content-Type"] == PROBLEM
    with coop_session(coop) as session:
        assert count(session, Visit) == before


def test_generate_week_is_idempotent_and_keeps_rules(setup, api_client, coop_session):
    coop, admin, client_id, _ = setup
    with coop_session(coop) as session:
        good = make_worker(session, skills=("hoist",))
        unskilled = make_worker(session, skills=())
    api = api_client(admin)
    for worker_id, hour in ((good, 9), (unskilled, 14)):
        response = api.post(f"/api/v1/c/{coop.slug}/patterns", json={
            "client_id": client_id, "weekday": 2, "starts": f"{hour:02d}:00", "skills": ["hoist"],
            "duration_minutes": 45, "worker_id": worker_id, "valid_from": "2026-04-01"})
        assert response.status_code == 201, response.get_json()
    first = api.post(f"/api/v1/c/{coop.slug}/rota/generate", json={"week": "2026-04-09"})
    assert first.status_code == 200
    assert first.get_json()["created"] == 2 and first.get_json()["week"] == "2026-04-06"
    assert len(first.get_json()["unassigned_by_rules"]) == 1
    again = api.post(f"/api/v1/c/{coop.slug}/rota/generate", json={"week": "2026-04-06"})
    assert again.get_json()["created"] == 0
    listed = api.get(f"/api/v1/c/{coop.slug}/visits?week=2026-04-08").get_json()
    generated = [v for v in listed if v["client_id"] == client_id]
    assert [(v["starts_at"], v["worker_id"], v["skills"]) for v in generated] == [
        ("2026-04-08T09:00:00", good, ["hoist"]), ("2026-04-08T14:00:00", None, ["hoist"])]


def test_worker_sees_and_records_only_their_own_visits(setup, api_client, app, coop_session,
                                                       make_account):
    coop, admin, client_id, _ = setup
    person = make_account()
    add_member(app, coop, person, "worker")
    with coop_session(coop) as session:
        mine = make_worker(session, account_id=person.id)
        other = make_worker(session)
        my_visit = make_visit(session, client_id, at(14, 9), 60, worker_id=mine)
        their_visit = make_visit(session, client_id, at(14, 9), 60, worker_id=other)
    api = api_client(person)
    listed = api.get(f"/api/v1/c/{coop.slug}/visits?week=2026-03-16").get_json()
    assert [v["id"] for v in listed] == [my_visit]
    assert api.get(f"/api/v1/c/{coop.slug}/visits/{their_visit}").status_code == 404
    times = {"actual_start": "2026-03-16T09:05", "actual_end": "2026-03-16T10:02"}
    assert api.patch(f"/api/v1/c/{coop.slug}/visits/{my_visit}", json=times).status_code == 200
    assert api.patch(f"/api/v1/c/{coop.slug}/visits/{their_visit}",
                     json=times).status_code == 404
    assert api.patch(f"/api/v1/c/{coop.slug}/visits/{my_visit}",
                     json={"status": "cancelled"}).status_code == 403
    assert assign(api, coop, my_visit, other).status_code == 403
    assert api.post(f"/api/v1/c/{coop.slug}/rota/generate",
                    json={"week": "2026-03-16"}).status_code == 403
    with coop_session(coop) as session:
        visit = session.get(Visit, my_visit)
        assert (visit.actual_start, visit.status) == (datetime(2026, 3, 16, 9, 5), "scheduled")
        assert session.get(Visit, their_visit).actual_start is None


def test_member_may_not_use_the_rota(setup, api_client, app, make_account):
    coop, _, _, _ = setup
    person = make_account()
    add_member(app, coop, person, "member")
    api = api_client(person)
    assert api.get(f"/api/v1/c/{coop.slug}/visits").status_code == 403
    assert api.get(f"/api/v1/c/{coop.slug}/patterns").status_code == 403


def test_one_coop_cannot_reach_anothers_rota(coops, setup, api_client, coop_session):
    (a, admin_a), (b, admin_b) = coops
    with coop_session(b) as session:
        b_visit = session.scalar(select(Visit.id).limit(1)) or make_visit(
            session, make_client(session), at(0, 9), 60)
    assert api_client(admin_a).get(f"/api/v1/c/{b.slug}/visits/{b_visit}").status_code == 404
    assert api_client(admin_a).get(f"/api/v1/c/{b.slug}/visits").status_code == 404
    assert api_client(admin_b).get(f"/api/v1/c/{b.slug}/visits/{b_visit}").status_code == 200

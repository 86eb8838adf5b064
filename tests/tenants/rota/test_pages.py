"""Rota pages: the week with its conflicts, refusals beside the field, and roles."""

from datetime import date, datetime, timedelta

from sqlalchemy import select

from tenants.rota.models import Visit, VisitPattern
from tests.fixtures.app import csrf_token, sign_in
from tests.fixtures.factories import PASSWORD, add_member
from tests.tenants.rota.helpers import make_client, make_visit, make_worker

STEP = timedelta(minutes=4)


def signed_in(app, account):
    client = app.test_client()
    assert sign_in(client, account.email, PASSWORD).status_code == 302
    return client


def test_week_page_shows_conflicts_by_day(app, coops, coop_session):
    (a, admin), (b, _) = coops
    with coop_session(b) as session:
        make_visit(session, make_client(session, display_name="Other co-op client"),
                   datetime(2026, 5, 4, 9), 60)
    with coop_session(a) as session:
        client_id = make_client(session, display_name="Gwen Jones")
        lapsed = make_worker(session, display_name="Lapsed Worker", dbs_update_service=False,
                             dbs_certificate_date=date(2023, 1, 1))
        busy = make_worker(session, display_name="Busy Worker")
        make_visit(session, client_id, datetime(2026, 5, 4, 9), 60)
        make_visit(session, client_id, datetime(2026, 5, 4, 11), 60, worker_id=lapsed)
        make_visit(session, client_id, datetime(2026, 5, 4, 13), 60, worker_id=busy)
        make_visit(session, client_id, datetime(2026, 5, 4, 13, 30), 60, worker_id=busy)
        make_visit(session, client_id, datetime(2026, 5, 5, 9), 60, worker_id=busy)
    page = signed_in(app, admin).get(f"/c/{a.slug}/rota/?week=2026-05-06&day=0")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Gwen Jones" in html and "Other co-op client" not in html
    assert html.count('data-conflict="unassigned"') == 1
    assert html.count('data-conflict="checks"') == 1
    assert html.count('data-conflict="double_booking"') == 2
    assert '<caption class="govuk-table__caption govuk-table__caption--m">' in html
    tuesday = signed_in(app, admin).get(f"/c/{a.slug}/rota/?week=2026-05-04&day=1")
    assert tuesday.get_data(as_text=True).count("Busy Worker") == 1


def test_assign_page_refusal_is_shown_beside_the_field(app, coops, coop_session):
    (a, admin), _ = coops
    with coop_session(a) as session:
        client_id = make_client(session)
        worker_id = make_worker(session, display_name="Night Worker")
        make_visit(session, client_id, datetime(2026, 5, 11, 17), 300, worker_id=worker_id)
        visit_id = make_visit(session, client_id, datetime(2026, 5, 12, 7), 60)
    browser = signed_in(app, admin)
    path = f"/c/{a.slug}/rota/visits/{visit_id}"
    token = csrf_token(browser, path)
    response = browser.post(f"{path}/assign", data={"worker_id": worker_id,
                                                    "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="worker_id-error"' in html and "11 hours&#39; rest in every 24:" in html
    assert "rest_11h" not in html
    assert "11 consecutive hours of rest" in html
    with coop_session(a) as session:
        assert session.get(Visit, visit_id).worker_id is None


def test_record_page_refuses_end_before_start(app, coops, coop_session):
    (a, admin), _ = coops
    with coop_session(a) as session:
        visit_id = make_visit(session, make_client(session), datetime(2026, 5, 12, 9), 60)
    browser = signed_in(app, admin)
    path = f"/c/{a.slug}/rota/visits/{visit_id}"
    response = browser.post(f"{path}/record", data={
        "csrf_token": csrf_token(browser, path), "status": "completed",
        "actual_start": "2026-05-12T10:00", "actual_end": "2026-05-12T09:00"})
    assert response.status_code == 422
    assert 'id="actual_end-error"' in response.get_data(as_text=True)
    with coop_session(a) as session:
        assert session.get(Visit, visit_id).status == "scheduled"


def test_worker_sees_my_shifts_only_and_not_the_rota(app, coops, coop_session, make_account):
    (a, _), _ = coops
    person = make_account()
    add_member(app, a, person, "worker")
    with coop_session(a) as session:
        client_id = make_client(session, display_name="My Client")
        mine = make_worker(session, account_id=person.id)
        other = make_worker(session)
        make_visit(session, client_id, datetime(2026, 5, 18, 9), 60, worker_id=mine)
        make_visit(session, make_client(session, display_name="Not Mine"),
                   datetime(2026, 5, 18, 9), 60, worker_id=other)
    browser = signed_in(app, person)
    page = browser.get(f"/c/{a.slug}/rota/mine?week=2026-05-18")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "My Client" in html and "Not Mine" not in html
    assert "My shifts" in browser.get(f"/c/{a.slug}/").get_data(as_text=True)
    assert browser.get(f"/c/{a.slug}/rota/").status_code == 403
    assert browser.get(f"/c/{a.slug}/rota/patterns").status_code == 403


def test_pattern_and_visit_forms(app, coops, coop_session):
    (a, admin), _ = coops
    with coop_session(a) as session:
        client_id = make_client(session)
    browser = signed_in(app, admin)
    token = csrf_token(browser, f"/c/{a.slug}/rota/patterns")
    bad = browser.post(f"/c/{a.slug}/rota/patterns", data={
        "csrf_token": token, "client_id": client_id, "weekday": "1", "starts": "nine"})
    assert bad.status_code == 422 and 'id="starts-error"' in bad.get_data(as_text=True)
    good = browser.post(f"/c/{a.slug}/rota/patterns", data={
        "csrf_token": token, "client_id": client_id, "weekday": "1", "starts": "09:30",
        "duration_minutes": "30", "skills": ["personal_care"], "valid_from": "2026-06-01"})
    assert good.status_code == 302
    new = browser.post(f"/c/{a.slug}/rota/visits/new", data={
        "csrf_token": token, "client_id": client_id, "starts_at": "2026-06-02T10:00",
        "ends_at": "2026-06-02T09:00"})
    assert new.status_code == 422 and 'id="ends_at-error"' in new.get_data(as_text=True)
    assert browser.get(f"/c/{a.slug}/rota/clients/{client_id}").status_code == 200


def test_a_busy_day_is_paged_once_below_its_table_and_the_title_stays_text(
        app, coops, coop_session):
    (a, admin), (b, _) = coops
    with coop_session(b) as session:
        make_visit(session, make_client(session), datetime(2026, 5, 4, 9), 60)
    with coop_session(a) as session:
        client_id = make_client(session)
        session.add_all(Visit(client_id=client_id, starts_at=datetime(2026, 5, 4, 6, 0) + n * STEP,
                              ends_at=datetime(2026, 5, 4, 6, 1) + n * STEP)
                        for n in range(201))
    html = signed_in(app, admin).get(f"/c/{a.slug}/rota/?week=2026-05-04&day=0") \
        .get_data(as_text=True)
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title
    assert html.count('class="govuk-pagination"') == 1
    assert html.index('id="day-visits"') < html.index('class="govuk-pagination"')
    assert "page 1 of 2" in html


def test_wrong_answers_on_the_smaller_forms_are_422_naming_the_field(app, coops, coop_session):
    """A Welsh reader's wrong answer is refused with 422 beside the field, in Welsh, and
    changes nothing; a pattern's Welsh box unticked is read as "no"."""
    (a, admin), (b, _) = coops
    with coop_session(a) as session:
        client_id = make_client(session)
        visit_id = make_visit(session, client_id, datetime(2026, 5, 12, 9), 60)
    with coop_session(b) as session:
        others = session.scalars(select(VisitPattern.id)).all()
    browser = signed_in(app, admin)
    browser.get("/language/cy?next=/")
    patterns = f"/c/{a.slug}/rota/patterns"
    token = csrf_token(browser, patterns)
    assert browser.post(patterns, data={
        "csrf_token": token, "client_id": client_id, "weekday": "2", "starts": "09:30",
        "duration_minutes": "30", "valid_from": "2026-06-01"}).status_code == 302
    with coop_session(a) as session:
        pattern = session.scalars(select(VisitPattern).where(
            VisitPattern.client_id == client_id)).one()
        assert pattern.welsh_required is False
        pattern_id = pattern.id
    removed = browser.post(f"{patterns}/{pattern_id}/remove",
                           data={"csrf_token": token, "from": "soon"})
    html = removed.get_data(as_text=True)
    assert removed.status_code == 422 and 'id="from-error"' in html
    assert '<html lang="cy"' in html
    search = browser.get(f"/c/{a.slug}/rota/search?q={'x' * 101}")
    assert search.status_code == 422
    assigned = browser.post(f"/c/{a.slug}/rota/visits/{visit_id}/assign",
                            data={"csrf_token": token, "worker_id": "²"})
    assert assigned.status_code == 422
    assert 'id="worker_id-error"' in assigned.get_data(as_text=True)
    # A week that is not a date: the page says so and nothing is generated.
    generated = browser.post(f"/c/{a.slug}/rota/generate",
                             data={"csrf_token": token, "week": "next"})
    assert generated.status_code == 302 and generated.location.endswith("/rota/patterns")
    with coop_session(a) as session:
        assert session.get(Visit, visit_id).worker_id is None
        assert session.get(VisitPattern, pattern_id).valid_until is None
        assert session.scalars(select(Visit.id).where(
            Visit.client_id == client_id)).all() == [visit_id]
    with coop_session(b) as session:
        assert session.scalars(select(VisitPattern.id)).all() == others

"""The rota as a coordinator works it: why a visit has no worker, patterns changed and
removed, the week printed, exported and searched. Two co-ops in every test."""

import csv
import io
from datetime import date, datetime, time
from html import unescape

from sqlalchemy import func, select

from tenants.audit.models import TenantAuditEvent as AuditEvent
from tenants.rota import service
from tenants.rota.models import Visit, VisitHoldBack, VisitPattern
from tests.fixtures.app import csrf_token, sign_in
from tests.fixtures.factories import PASSWORD, add_member
from tests.tenants.rota.helpers import make_client, make_visit, make_worker

MONDAY = date(2026, 5, 4)


def signed_in(app, account, locale=None):
    client = app.test_client()
    assert sign_in(client, account.email, PASSWORD).status_code == 302
    if locale:  # this browser only: the account's own choice stays as it is
        with client.session_transaction() as session:
            session["locale"] = locale
    return client


def _pattern(session, client_id, worker_id=None, weekday=0, starts=time(9), **values):
    values = {"duration_minutes": 60, "valid_from": date(2026, 1, 5), **values}
    pattern = VisitPattern(client_id=client_id, worker_id=worker_id, weekday=weekday,
                           starts=starts, **values)
    session.add(pattern)
    session.flush()
    return pattern.id


def _elsewhere(session) -> int:
    """A pattern in the other co-op with an id this test's co-op has not reached: stores
    number their rows on their own, so a low id would also be one of ours."""
    client_id = make_client(session)
    return [_pattern(session, client_id) for _ in range(40)][-1]


def _lapsed_pattern(session):
    """A pattern whose regular worker's DBS is out of date: a visit the rules keep them off."""
    lapsed = make_worker(session, display_name="Aled Lapsed", dbs_update_service=False,
                         dbs_certificate_date=date(2023, 1, 1))
    client_id = make_client(session, display_name="Mair Client")
    return _pattern(session, client_id, lapsed), lapsed


def test_a_visit_left_without_its_worker_says_who_and_why(app, coops, coop_session):
    (a, admin), (b, admin_b) = coops
    with coop_session(b) as session:
        _pattern(session, make_client(session, display_name="Other co-op client"))
    with coop_session(a) as session:
        pattern_id, lapsed = _lapsed_pattern(session)
    browser = signed_in(app, admin)
    token = csrf_token(browser, f"/c/{a.slug}/rota/patterns")
    done = browser.post(f"/c/{a.slug}/rota/generate", data={"csrf_token": token,
                                                            "week": "2026-05-06"},
                        follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "1 visit was left without Aled Lapsed" in html
    with coop_session(a) as session:
        visit = session.scalars(select(Visit).where(Visit.pattern_id == pattern_id)).one()
        assert visit.worker_id is None
        held = session.get(VisitHoldBack, visit.id)
        assert held.worker_id == lapsed and "dbs" in held.rules
        visit_id = visit.id
    week = browser.get(f"/c/{a.slug}/rota/?week=2026-05-04&day=0").get_data(as_text=True)
    assert f'data-held-back="{lapsed}"' in week and "Aled Lapsed held back:" in week
    page = browser.get(f"/c/{a.slug}/rota/visits/{visit_id}").get_data(as_text=True)
    assert 'id="held-back"' in page and "The regular worker, Aled Lapsed" in page
    welsh = signed_in(app, admin, "cy").get(f"/c/{a.slug}/rota/visits/{visit_id}")
    assert "Aled Lapsed" in welsh.get_data(as_text=True)
    # Generating again adds nothing and no second hold-back.
    with coop_session(a) as session:
        assert service.do_generate_week(MONDAY, actor_account_id=None).created == 0
        assert session.scalar(select(func.count()).select_from(VisitHoldBack).where(
            VisitHoldBack.visit_id == visit_id)) == 1
    with coop_session(b) as session:
        assert session.scalar(select(func.count()).select_from(VisitHoldBack)) == 0


def test_a_changed_pattern_shapes_later_weeks_and_never_doubles_a_generated_one(
        app, coops, coop_session):
    (a, admin), (b, _) = coops
    with coop_session(a) as session:
        client_id = make_client(session)
        pattern_id = _pattern(session, client_id)
        service.do_generate_week(MONDAY, actor_account_id=None)
    with coop_session(b) as session:
        other_pattern = _elsewhere(session)
    browser = signed_in(app, admin)
    path = f"/c/{a.slug}/rota/patterns/{pattern_id}"
    form = browser.get(path)
    assert form.status_code == 200 and 'value="09:00"' in form.get_data(as_text=True)
    token = csrf_token(browser, path)
    base = {"csrf_token": token, "client_id": client_id, "weekday": "0",
            "duration_minutes": "45", "valid_from": "2026-01-05"}
    bad = browser.post(path, data={**base, "starts": "half ten"})
    assert bad.status_code == 422 and 'id="starts-error"' in bad.get_data(as_text=True)
    assert browser.post(path, data={**base, "starts": "10:30"}).status_code == 302
    assert browser.get(f"/c/{a.slug}/rota/patterns/{other_pattern}").status_code == 404
    with coop_session(a) as session:
        assert service.do_generate_week(MONDAY, actor_account_id=None).created == 0  # not doubled
        service.do_generate_week(date(2026, 5, 11), actor_account_id=None)
        later = session.scalars(select(Visit).where(Visit.pattern_id == pattern_id)
                                .order_by(Visit.starts_at)).all()
        assert [v.starts_at for v in later] == [datetime(2026, 5, 4, 9),
                                                datetime(2026, 5, 11, 10, 30)]
        assert session.scalar(select(AuditEvent).where(
            AuditEvent.action == "rota.pattern_updated")).detail["fields"] == [
            "duration_minutes", "starts"]


def test_removing_a_pattern_takes_its_planned_visits_off_and_keeps_the_past(
        app, coops, coop_session):
    (a, admin), (b, _) = coops
    with coop_session(a) as session:
        client_id = make_client(session)
        pattern_id = _pattern(session, client_id)
        fresh = _pattern(session, client_id, weekday=2, valid_from=date(2026, 5, 20))
        for week in (MONDAY, date(2026, 5, 11), date(2026, 5, 18)):
            service.do_generate_week(week, actor_account_id=None)
        done = session.scalars(select(Visit).where(Visit.pattern_id == pattern_id,
                                                   Visit.starts_at == datetime(2026, 5, 11, 9)))
        done.one().status = "completed"
    with coop_session(b) as session:
        kept = _elsewhere(session)
        service.do_generate_week(MONDAY, actor_account_id=None)
    browser = signed_in(app, admin)
    path = f"/c/{a.slug}/rota/patterns/{pattern_id}"
    token = csrf_token(browser, path)
    bad = browser.post(f"{path}/remove", data={"csrf_token": token, "from": "soon"})
    assert bad.status_code == 422 and 'id="from-error"' in bad.get_data(as_text=True)
    gone = browser.post(f"{path}/remove", data={"csrf_token": token, "from": "2026-05-05"},
                        follow_redirects=True)
    assert "1 planned visit was taken off the rota" in gone.get_data(as_text=True)
    api = browser.delete(f"/api/v1/c/{a.slug}/patterns/{fresh}?from=2026-05-01",
                         headers={"X-CSRFToken": token})
    assert api.status_code == 200 and api.json["deleted"] is True, api.get_data(as_text=True)
    assert browser.delete(f"/api/v1/c/{a.slug}/patterns/{kept}",
                          headers={"X-CSRFToken": token}).status_code == 404
    with coop_session(a) as session:
        left = session.scalars(select(Visit.starts_at).where(Visit.pattern_id == pattern_id)
                               .order_by(Visit.starts_at)).all()
        assert left == [datetime(2026, 5, 4, 9), datetime(2026, 5, 11, 9)]  # past and done
        assert session.get(VisitPattern, pattern_id).valid_until == date(2026, 5, 4)
        assert session.get(VisitPattern, fresh) is None
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "rota.pattern_removed")) == 2
    with coop_session(b) as session:
        assert session.get(VisitPattern, kept) is not None


def test_the_week_prints_exports_safely_and_finds_a_person(
        app, coops, coop_session, make_account):
    (a, admin), (b, _) = coops
    with coop_session(b) as session:
        make_visit(session, make_client(session, display_name="Bethan Elsewhere"),
                   datetime(2026, 5, 5, 9), 60)
    with coop_session(a) as session:
        _lapsed_pattern(session)
        service.do_generate_week(MONDAY, actor_account_id=None)
        sly = make_client(session, display_name="=HYPERLINK(\"http://x\")")
        make_visit(session, sly, datetime(2026, 5, 8, 14), 30,
                   worker_id=make_worker(session, display_name="Bethan Hughes"))
    browser = signed_in(app, admin)
    printed = browser.get(f"/c/{a.slug}/rota/print?week=2026-05-06")
    html = printed.get_data(as_text=True)
    assert printed.status_code == 200 and "schedule-print.css" in html
    assert html.count("<caption") == 7 and "Bethan Elsewhere" not in html
    exported = browser.get(f"/c/{a.slug}/rota/week.csv?week=2026-05-06")
    assert exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert rows[0][:5] == ["Date", "Start", "End", "Client", "Worker"]
    by_client = {r[3]: r for r in rows[1:]}
    assert "'=HYPERLINK(\"http://x\")" in by_client
    assert by_client["Mair Client"][8] == "Aled Lapsed" and by_client["Mair Client"][9]
    # The printed week says who was held back from a visit and why, as the CSV does.
    assert "Aled Lapsed held back: " + by_client["Mair Client"][9] in unescape(html)
    assert "Bethan Elsewhere" not in by_client
    found = browser.get(f"/c/{a.slug}/rota/search?q=bethan&week=2026-05-06")
    html = found.get_data(as_text=True)
    assert "Bethan Hughes" in html and "Bethan Elsewhere" not in html
    assert browser.get(f"/c/{a.slug}/rota/search?q=" + "x" * 101).status_code == 422
    assert browser.get(f"/c/{a.slug}/rota/search?q=50%25").status_code == 200
    welsh = signed_in(app, admin, "cy").get(f"/c/{a.slug}/rota/print?week=2026-05-06")
    assert welsh.status_code == 200
    with coop_session(a) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "rota.week_exported")) == 1
    person = make_account()
    add_member(app, a, person, "worker")
    worker = signed_in(app, person)
    for path in ("print", "week.csv", "search?q=a", "patterns/1"):
        assert worker.get(f"/c/{a.slug}/rota/{path}").status_code == 403

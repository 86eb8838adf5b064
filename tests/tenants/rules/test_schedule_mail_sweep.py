"""A worker's schedule asked for by email, whose job was lost, is found in the co-op's audit
log by the sweeper and sent once."""

from __future__ import annotations

from tests.fixtures.app import captured_mail, csrf_token
from tests.fixtures.factories import sweep_and_send
from tests.tenants.rules.test_schedule import THURSDAY, _day
from tests.tenants.workforce.helpers import browser, person


def test_a_schedule_whose_mail_job_was_lost_is_swept_and_sent_once(
        app, positions, coop_session, run_jobs, monkeypatch):
    _, (registered, _) = positions
    account = person(app, registered, "worker", name="Siôn Rees")
    _day(coop_session, registered, account_id=account.id)
    web = browser(app, account)
    backend = app.extensions["coopfed.jobs"]
    original = backend.dispatch
    # The request commits, but the job that would email the schedule is lost.
    monkeypatch.setattr(backend, "dispatch", lambda requests: original(
        [r for r in requests if not r.func.startswith("federation.schedules")]))
    with captured_mail() as mails:
        response = web.post(f"/c/{registered.slug}/rota/mine/email", data={
            "csrf_token": csrf_token(web, f"/c/{registered.slug}/rota/mine"),
            "week": THURSDAY.isoformat()})
        assert response.status_code == 302
        run_jobs()
        monkeypatch.setattr(backend, "dispatch", original)
        assert not [m for m in mails if account.email in m]
        monkeypatch.setitem(app.config, "SEND_GRACE_SECONDS", 0)
        assert sweep_and_send(app, "schedules") == 1
    sent = [m for m in mails if account.email in m]
    assert len(sent) == 1
    assert "09:00-10:00 Visit (Mrs Gwen Jones): 60 minutes" in sent[0]

"""Notice of a general meeting by email: recoverable from the co-op's store alone, sent once.

Each member's notice email is recorded in the co-op's ``meeting_notices`` when notice is
given; if the jobs that send them are lost (a flushed Redis), the outbox's sweeper queues
them again, and the email's claim keeps every member to one email, whatever runs twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update

from core.db import db
from core.timeutil import utcnow
from services.jobs.runner import run_job
from services.mail.meetings import ONE_JOB, notice_key
from services.mail.models import SentMail
from tenants.governance import meetings
from tenants.governance.models import MeetingNotice
from tenants.members import service as members
from tests.fixtures.factories import sweep_and_send

ADDRESSES = ("alun.notice@example.org", "bethan.notice@example.org")


def _give_notice(session) -> int:
    """Two members with email and one without; notice of a meeting given (committed by
    the caller); returns the meeting's id."""
    for name, email in (("Alun", ADDRESSES[0]), ("Bethan", ADDRESSES[1]), ("Dilys", None)):
        members.create_member(session, {
            "display_name": name, "email": email, "joined_on": members.date(2024, 1, 1),
            "postal_address": f"{name}\n3 Lôn Las\nLlandeilo SA19 6AA",
            "classes": [members.list_classes(session)[0].code]}, actor_account_id=None)
    meeting = meetings.create_meeting(session, {
        "kind": "annual", "title": "AGM 2027", "quorum": 2, "place": "Neuadd y Dref",
        "held_at": utcnow() + timedelta(days=40)}, actor_account_id=None)
    meetings.send_notice(session, meeting.id, actor_account_id=None)
    return meeting.id


def _emails(caplog) -> dict[str, int]:
    sent = [r.getMessage() for r in caplog.records if r.name == "coopfed.mail"]
    return {address: sum(address in message for message in sent) for address in ADDRESSES}


def test_notice_emails_whose_jobs_were_lost_are_swept_and_sent_once(
        app, run_jobs, two_coops, coop_session, monkeypatch, caplog):
    (coop, _), _ = two_coops
    with coop_session(coop) as session:
        _give_notice(session)
    backend = app.extensions["coopfed.jobs"]
    original = backend.dispatch
    # The relay runs, but the mail jobs it asks for are lost (a flushed Redis).
    monkeypatch.setattr(backend, "dispatch", lambda requests: original(
        [r for r in requests if not r.func.startswith("services.mail")]))
    with caplog.at_level(logging.INFO, logger="coopfed.mail"):
        run_jobs()
        run_jobs()
        assert _emails(caplog) == dict.fromkeys(ADDRESSES, 0)
        monkeypatch.setattr(backend, "dispatch", original)
        monkeypatch.setitem(app.config, "SEND_GRACE_SECONDS", 0)
        assert sweep_and_send(app, "meeting_notices") == 2  # not the letter
        with coop_session(coop) as session:
            emailed = session.scalars(select(MeetingNotice).where(
                MeetingNotice.channel == "email")).all()
            assert len(emailed) == 2 and all(n.sent_at is not None for n in emailed)
            notice_ids = [n.id for n in emailed]
        # A retried job, or a swept copy of one, sends nothing more.
        with app.app_context():
            assert run_job(ONE_JOB, coop.id, notice_ids[0]) is False
        # The co-op's mark lost after the email went (the job's rollback): the sweeper
        # asks again, and the job only marks the notice.
        with coop_session(coop) as session:
            session.execute(update(MeetingNotice).where(MeetingNotice.id == notice_ids[0])
                            .values(sent_at=None))
        assert sweep_and_send(app, "meeting_notices") == 1
    assert _emails(caplog) == dict.fromkeys(ADDRESSES, 1)
    with app.app_context():
        for notice_id in notice_ids:
            sent = db.session.get(SentMail, notice_key(coop.id, notice_id))
            assert sent.status == "sent" and sent.attempts == 1

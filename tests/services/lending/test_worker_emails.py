"""A lent worker hears of each step by email, in their language, sent once (issue 11).

The email's outbox row (``lending_emails``) is written in the transaction of the step it
tells of; the mail job claims its key and sends it once; a lost job is found again from
the database alone by the sweeper, and a retry never sends twice.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.db import db
from core.timeutil import utcnow
from services.jobs.runner import run_job
from services.lending import notices, tasks
from services.lending import service as lending
from services.lending.models import LendingAgreement, LendingEmail
from services.mail.models import SentMail
from tests.fixtures.app import captured_mail
from tests.services.lending.helpers import (
    make_confirmable,
    next_weekday,
    pool_coop,
    pool_worker,
    request_body,
)


@pytest.fixture
def offered(app, api_client, coop_session):
    """A Welsh-speaking worker in a Gwynedd co-op, and a Conwy co-op's offer of Thursday
    10:00–14:00 at £12.60 an hour to them, not yet decided by their co-op."""
    lender, lender_admin = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    _worker_id, worker, ref = pool_worker(app, lender, coop_session)
    with app.app_context():
        accounts = db.metadata.tables["federation.accounts"]
        db.session.execute(update(accounts).where(accounts.c.id == worker.id)
                           .values(locale="cy"))
        db.session.commit()
    borrow = api_client(borrower_admin)
    request_id = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests",
                             json=request_body(next_weekday(3))).get_json()["id"]
    agreement_id = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests/{request_id}/offers",
                               json={"worker_ref": ref}).get_json()["id"]
    return {"lender": lender, "lender_admin": lender_admin, "borrower": borrower,
            "borrower_admin": borrower_admin, "worker": worker, "agreement_id": agreement_id}


def _emails(app, agreement_id: int) -> list[tuple[str, bool]]:
    with app.app_context():
        return [(e.kind, e.sent_at is not None) for e in db.session.scalars(
            select(LendingEmail).where(LendingEmail.agreement_id == agreement_id)
            .order_by(LendingEmail.id))]


def _to(texts: list[str], address: str) -> list[str]:
    return [t for t in texts if f"To: {address}" in t]


def test_the_email_row_is_written_in_the_same_transaction_as_the_step(app, offered):
    agreement_id, lender = offered["agreement_id"], offered["lender"]
    with app.app_context():
        lending.do_lender_decide(agreement_id, lender.id, True, actor=None)
        assert db.session.scalar(select(LendingEmail.kind).where(
            LendingEmail.agreement_id == agreement_id)) == "approved"
        db.session.rollback()  # the step is undone: so is its email
    assert _emails(app, agreement_id) == []
    with app.app_context():
        lending.do_lender_decide(agreement_id, lender.id, True, actor=None)
        db.session.commit()
    assert [kind for kind, _sent in _emails(app, agreement_id)] == ["approved"]


def test_the_offer_email_is_sent_once_in_welsh_with_place_pay_and_deadline(
        app, api_client, offered, run_jobs):
    lender, worker, agreement_id = offered["lender"], offered["worker"], offered["agreement_id"]
    with captured_mail() as sent:
        approved = api_client(offered["lender_admin"]).post(
            f"/api/v1/c/{lender.slug}/lending/offers/{agreement_id}/approve")
        assert approved.status_code == 200, approved.get_json()
        run_jobs()
    (text,) = _to(sent, worker.email)
    assert "Cynigir shifft i chi: Conwy" in text
    assert "£12.60 yr awr" in text and "Yn aros am eich ateb" in text
    with app.app_context():
        expires = db.session.get(LendingAgreement, agreement_id).expires_at
        facts = notices.describe(db.session.get(LendingAgreement, agreement_id), "cy")
    assert facts.expires and f"Atebwch erbyn {facts.expires}" in text
    assert facts.expires.endswith(f"{notices.as_utc(expires).astimezone(notices.LOCAL):%H:%M}")
    assert f"/c/{lender.slug}/worker-pool/offers/{agreement_id}" in text
    assert "Gwynedd" not in text  # the area of the work, not of the worker's home co-op
    assert _emails(app, agreement_id) == [("approved", True)]

    with app.app_context():
        (email_id,) = db.session.scalars(select(LendingEmail.id).where(
            LendingEmail.agreement_id == agreement_id))
    with captured_mail() as again, app.app_context():
        assert run_job(notices.SEND_JOB, email_id) is False  # a retry of the job
        assert tasks.sweep_emails() == 0
        assert db.session.get(SentMail, notices.email_key(email_id)).status == "sent"
    run_jobs()
    assert _to(again, worker.email) == []


def test_an_english_worker_gets_english(app, api_client, offered, run_jobs):
    lender, worker, agreement_id = offered["lender"], offered["worker"], offered["agreement_id"]
    with app.app_context():
        accounts = db.metadata.tables["federation.accounts"]
        db.session.execute(update(accounts).where(accounts.c.id == worker.id)
                           .values(locale="en"))
        db.session.commit()
    with captured_mail() as sent:
        api_client(offered["lender_admin"]).post(
            f"/api/v1/c/{lender.slug}/lending/offers/{agreement_id}/approve")
        run_jobs()
    (text,) = _to(sent, worker.email)
    assert "A shift is offered to you: Conwy" in text
    assert "£12.60 an hour" in text and "Please answer by" in text


def test_a_lost_job_is_sent_by_the_sweeper_from_the_database_alone(app, offered, run_jobs):
    agreement_id, worker = offered["agreement_id"], offered["worker"]
    with app.app_context():
        # As if Redis lost the queued job: the row is all that is left.
        db.session.add(LendingEmail(agreement_id=agreement_id, account_id=worker.id,
                                    kind="cancelled",
                                    created_at=utcnow() - notices.SWEEP_GRACE * 2))
        db.session.commit()
    with captured_mail() as sent:
        with app.app_context():
            assert tasks.sweep_emails() == 1
            db.session.commit()
        run_jobs()
        with app.app_context():
            assert tasks.sweep_emails() == 0
        run_jobs()
    assert len(_to(sent, worker.email)) == 1
    assert _emails(app, agreement_id) == [("cancelled", True)]


def test_a_failed_send_is_retried_and_a_sender_that_died_is_taken_over_once(
        app, offered, run_jobs, monkeypatch):
    agreement_id, lender, worker = offered["agreement_id"], offered["lender"], offered["worker"]
    with app.app_context():
        lending.do_lender_decide(agreement_id, lender.id, True, actor=None)
        email_id = db.session.scalar(select(LendingEmail.id).where(
            LendingEmail.agreement_id == agreement_id))
        db.session.commit()
    # The mail server refuses the connection: nothing is sent and the claim is released.
    monkeypatch.setitem(app.config, "MAIL_URL", "smtp://127.0.0.1:9")
    run_jobs()
    with app.app_context():
        assert db.session.get(LendingEmail, email_id).sent_at is None
        claim = db.session.get(SentMail, notices.email_key(email_id))
        assert claim.status == "sending"
        # Then a sender dies holding a fresh claim (its lease lapses unrenewed).
        db.session.execute(update(SentMail).where(SentMail.key == claim.key).values(
            lease_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    monkeypatch.setitem(app.config, "MAIL_URL", None)
    with captured_mail() as sent:
        with app.app_context():
            assert run_job("services.mail.tasks:sweep_mail") == 1
        run_jobs()
        with app.app_context():
            assert run_job(notices.SEND_JOB, email_id) is False
            assert tasks.sweep_emails() == 0
        run_jobs()
    assert len(_to(sent, worker.email)) == 1
    assert _emails(app, agreement_id) == [("approved", True)]


def test_the_worker_is_reminded_before_the_offer_lapses_then_told_it_lapsed(
        app, offered, run_jobs):
    agreement_id, lender, worker = offered["agreement_id"], offered["lender"], offered["worker"]
    # Captured from the start: in-process jobs may send the offer's email at once.
    with captured_mail() as sent:
        with app.app_context():
            lending.do_lender_decide(agreement_id, lender.id, True, actor=None)
            db.session.commit()
            deadline = notices.as_utc(db.session.get(LendingAgreement, agreement_id).expires_at)
            lending.expire_stale(deadline - notices.REMIND_BEFORE - timedelta(minutes=1))
            db.session.commit()
        assert [k for k, _sent in _emails(app, agreement_id)] == ["approved"]
        with app.app_context():
            lending.expire_stale(deadline - timedelta(hours=1))
            lending.expire_stale(deadline - timedelta(minutes=30))  # reminded once only
            db.session.commit()
        run_jobs()
        with app.app_context():
            lending.expire_stale(deadline + timedelta(minutes=1))
            db.session.commit()
        run_jobs()
    texts = _to(sent, worker.email)
    assert [k for k, _sent in _emails(app, agreement_id)] == ["approved", "expiring", "expired"]
    assert len(texts) == 3  # the offer itself, the reminder, the lapse
    assert any("Atebwch yn fuan" in t for t in texts)
    assert any("Mae cynnig wedi dod i ben" in t for t in texts)


def test_a_worker_never_told_of_an_offer_gets_no_email_when_their_co_op_says_no(
        app, offered, run_jobs):
    agreement_id, lender = offered["agreement_id"], offered["lender"]
    with app.app_context():
        lending.do_lender_decide(agreement_id, lender.id, False, actor=None)
        db.session.commit()
    run_jobs()
    assert _emails(app, agreement_id) == []


def test_a_worker_who_declines_gets_no_email_about_their_own_answer(
        app, api_client, offered, run_jobs):
    agreement_id, lender, worker = offered["agreement_id"], offered["lender"], offered["worker"]
    with app.app_context():
        lending.do_lender_decide(agreement_id, lender.id, True, actor=None)
        db.session.commit()
    refused = api_client(worker).post(
        f"/api/v1/c/{lender.slug}/lending/my-offers/{agreement_id}/refuse")
    assert refused.get_json()["state"] == "declined"
    run_jobs()
    assert [kind for kind, _sent in _emails(app, agreement_id)] == ["approved"]


def test_changes_reach_the_worker_by_email_confirmed_then_cancelled(
        app, api_client, offered, run_jobs):
    """A change to a loan the worker said yes to goes out through the outbox and the mail
    job, once each, in their language: the borrower confirms it, then cancels it."""
    lender, borrower, worker = offered["lender"], offered["borrower"], offered["worker"]
    agreement_id = offered["agreement_id"]
    lend, borrow = api_client(offered["lender_admin"]), api_client(offered["borrower_admin"])
    offers = f"/api/v1/c/{borrower.slug}/lending/offers/{agreement_id}"
    with captured_mail() as sent:
        assert lend.post(f"/api/v1/c/{lender.slug}/lending/offers/{agreement_id}/approve"
                         ).status_code == 200
        assert api_client(worker).post(
            f"/api/v1/c/{lender.slug}/lending/my-offers/{agreement_id}/accept"
        ).get_json()["state"] == "accepted"
        run_jobs()
        assert len(_to(sent, worker.email)) == 1  # the offer; their own yes sends nothing
        make_confirmable(app, agreement_id)
        confirmed = borrow.post(f"{offers}/confirm")
        assert confirmed.status_code == 200, confirmed.get_json()
        run_jobs()
        cancelled = borrow.post(f"{offers}/cancel")
        assert cancelled.status_code == 200, cancelled.get_json()
        run_jobs()
        run_jobs()  # a second pass sends nothing more
    texts = _to(sent, worker.email)
    assert _emails(app, agreement_id) == [("approved", True), ("confirmed", True),
                                          ("cancelled", True)]
    assert len(texts) == 3
    assert "Conwy" in texts[1] and "Conwy" in texts[2]
    assert "wedi cadarnhau eich shifft" in texts[1]
    assert "Does dim angen i chi fynd" in texts[2]

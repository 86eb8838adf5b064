"""Hand-over and "come back later" emails: each one asked for is sent exactly once.

Both are asked for in a request's transaction (a hand-over row; the draft's request
time), so PostgreSQL alone knows they are due: a flushed Redis loses their jobs but not
the emails, two jobs sending the same one send it once, and a sender killed mid-send
leaves a claim that lapses and is taken over.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal

import pytest

from core.db import db
from federation.agencies import handover as handovers
from federation.agencies.models import Handover
from federation.onboarding import service as onboarding
from federation.onboarding.models import Draft
from tenants.registry.models import Coop
from tests.faults.harness import Processes, eventually
from tests.faults.helpers import body
from tests.faults.test_races import _together
from tests.federation.agencies.conftest import create_advisor, create_agency
from tests.fixtures.factories import create_coop, unique

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.redis]

HANDOVER_LINK = re.compile(r"https?://[^/\s]+/handovers/([\w-]+)")
RESUME_LINK = re.compile(r"https?://[^/\s]+/start/resume/([\w-]+)")


@pytest.fixture
def rig(fault_rig):
    fault_rig.reset()
    yield fault_rig
    fault_rig.procs.stop_all()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ask_handover(app) -> tuple:
    """An advisor's co-op asks to be handed over (committed, as the request would);
    returns the recipient, a check that a message carries the live link, and the job."""
    advisor = create_advisor(app, create_agency(app))
    coop, _ = create_coop(app, admin=advisor)
    email = f"{unique('ann')}@example.org"
    with app.app_context(), app.test_request_context():
        handover_id = handovers.do_request_handover(
            db.session.get(Coop, coop.id), {"to_email": email, "to_name": "Ann Jones"},
            actor_account_id=advisor.id, role="admin").id
        db.session.commit()  # the email's job is queued after this commit

    def live(message) -> bool:
        token = HANDOVER_LINK.search(body(message)).group(1)
        with app.app_context():
            row = db.session.get(Handover, handover_id)
            return row.token_hash == _digest(token) and row.accepted_at is None

    return email, live, ("federation.agencies.tasks:send_handover", handover_id)


def ask_resume(app) -> tuple:
    """A group asks for its "come back later" link (committed, as the request would)."""
    email = f"{unique('grwp')}@example.org"
    with app.app_context(), app.test_request_context():
        draft, _ = onboarding.start_draft(locale="cy")
        onboarding.request_resume_email(draft.id, email)
        draft_id = draft.id
        db.session.commit()

    def live(message) -> bool:
        token = RESUME_LINK.search(body(message)).group(1)
        with app.app_context():
            return db.session.get(Draft, draft_id).mailed_token_hash == _digest(token)

    return email, live, ("federation.onboarding.tasks:send_resume_link", draft_id)


def _exactly_once(rig, asked) -> None:
    rig.eventually(lambda: all(rig.sink.to(email) for email, _, _ in asked),
                   what="every email sent")
    rig.settle()  # a duplicate, if any, would be sent by the end of this
    for email, live, _ in asked:
        received = rig.sink.to(email)
        assert len(received) == 1, f"{email} received {len(received)} emails"
        assert live(received[0]), "the emailed link does not work"


def test_emails_asked_for_before_redis_was_flushed_are_sent_once(rig):
    asked = [ask_handover(rig.app), ask_resume(rig.app)]
    rig.redis.flush()  # Redis loses their jobs
    rig.worker()
    _exactly_once(rig, asked)


def test_two_concurrent_sends_of_each_email_send_it_once_with_a_live_link(rig):
    asked = [ask_handover(rig.app), ask_resume(rig.app)]
    rig.redis.flush()  # only the racing jobs below send
    for _, _, job in asked:
        _together(rig.app, job, job)
    for email, live, _ in asked:
        received = rig.sink.to(email)
        assert len(received) == 1, f"{email} received {len(received)} emails"
        assert live(received[0])


def test_a_work_horse_killed_mid_send_leaves_the_email_to_be_sent_once(rig):
    worker = rig.worker()
    asked = []
    for ask in (ask_handover, ask_resume):
        rig.sink.hanging.clear()
        rig.sink.tarpit = 1  # the next connection hangs mid-send
        asked.append(ask(rig.app))
        rig.eventually(rig.sink.hanging.is_set, what="a job stuck sending")
        for pid in eventually(lambda: Processes.children(worker.pid), what="a work horse"):
            os.kill(pid, signal.SIGKILL)
    _exactly_once(rig, asked)

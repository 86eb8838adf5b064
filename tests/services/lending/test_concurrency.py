"""Two co-ops confirm the same worker for overlapping slots at the same moment: one wins.

On PostgreSQL the two confirmations run in two separate processes, each with its own
app and connections, released together by a barrier; the row lock on the worker's pool
profile (SELECT … FOR UPDATE) makes the second wait and then see the first's slots. On
SQLite the same race runs in two threads: IMMEDIATE transactions serialise the writers.
"""

from __future__ import annotations

import multiprocessing
import threading

from core.db import db
from core.errors import DomainError
from services.lending import service as lending
from services.lending.models import LendingAgreement
from tests.services.lending.helpers import (
    at,
    next_weekday,
    pool_coop,
    pool_worker,
    record_compliance,
    request_body,
)

APP_KEYS = ("DATABASE_URL", "OWNER_DATABASE_URL", "DEPLOYMENT", "REDIS_URL", "SECRET_KEY")


def _two_accepted_offers(app, api_client, coop_session):
    """One worker, accepted by two borrowers for overlapping Saturday slots."""
    lender, lender_admin = pool_coop(app, "W06000002")
    first, first_admin = pool_coop(app, "W06000003")
    second, second_admin = pool_coop(app, "W06000004")
    _worker_id, account, ref = pool_worker(app, lender, coop_session)
    saturday = next_weekday(5)
    lend, worker = api_client(lender_admin), api_client(account)
    found = []
    for coop, admin, start, end in ((first, first_admin, 10, 14), (second, second_admin, 12, 16)):
        client = api_client(admin)
        body = request_body(saturday, slots=[{"starts_at": at(saturday, start).isoformat(),
                                              "ends_at": at(saturday, end).isoformat()}])
        request_id = client.post(f"/api/v1/c/{coop.slug}/lending/requests",
                                 json=body).get_json()["id"]
        agreement_id = client.post(
            f"/api/v1/c/{coop.slug}/lending/requests/{request_id}/offers",
            json={"worker_ref": ref}).get_json()["id"]
        assert lend.post(f"/api/v1/c/{lender.slug}/lending/offers/{agreement_id}/approve"
                         ).status_code == 200
        assert worker.post(f"/api/v1/c/{lender.slug}/lending/my-offers/{agreement_id}/accept"
                           ).get_json()["state"] == "accepted"
        record_compliance(app, agreement_id)
        found.append((coop.id, agreement_id))
    return found


def _confirm(app, borrower_id: int, agreement_id: int, barrier) -> str:
    # A request context, as in production: refusals carry translated messages.
    with app.test_request_context():
        barrier.wait(timeout=60)
        try:
            lending.do_confirm(agreement_id, borrower_id, actor=None)
            db.session.commit()
            return "confirmed"
        except DomainError as exc:
            db.session.rollback()
            return f"refused:{exc.__class__.__name__}"
        finally:
            db.session.remove()


def _confirm_in_process(config: dict, borrower_id: int, agreement_id: int, barrier,
                        results) -> None:
    from federation.app import create_app

    app = create_app(config)
    results.put((agreement_id, _confirm(app, borrower_id, agreement_id, barrier)))


def _states(app, agreements) -> list[str]:
    with app.app_context():
        return sorted(db.session.get(LendingAgreement, a).state for _c, a in agreements)


def test_postgres_two_processes_exactly_one_confirms(app, api_client, coop_session,
                                                      postgres_only):
    agreements = _two_accepted_offers(app, api_client, coop_session)
    config = {key: app.config[key] for key in APP_KEYS}
    config.update(ENV="test", TESTING=True, INSTANCE_PATH=app.instance_path)
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(2), spawn.Queue()
    processes = [spawn.Process(target=_confirm_in_process,
                               args=(config, coop_id, agreement_id, barrier, results))
                 for coop_id, agreement_id in agreements]
    for process in processes:
        process.start()
    outcomes = sorted(results.get(timeout=120)[1] for _ in processes)
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert outcomes[0] == "confirmed"
    assert outcomes[1].startswith("refused")
    assert _states(app, agreements) == ["accepted", "confirmed"]


def test_embedded_two_threads_exactly_one_confirms(app, api_client, coop_session):
    agreements = _two_accepted_offers(app, api_client, coop_session)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(coop_id, agreement_id):
        outcomes.append(_confirm(app, coop_id, agreement_id, barrier))

    threads = [threading.Thread(target=run, args=pair) for pair in agreements]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes)[0] == "confirmed"
    assert sorted(outcomes)[1].startswith("refused")
    assert _states(app, agreements) == ["accepted", "confirmed"]

"""The open shifts board: a pooled worker offers to take a posted shift, under the rules."""

from __future__ import annotations

from tests.services.lending.helpers import (
    next_weekday,
    pool_coop,
    pool_worker,
    record_compliance,
    request_body,
)


def test_a_pooled_worker_takes_a_board_shift_and_their_coop_approves(app, api_client,
                                                                     coop_session, run_jobs):
    lender, lender_admin = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    _worker_id, account, ref = pool_worker(app, lender, coop_session)
    _welsh_less, other_account, _ = pool_worker(app, lender, coop_session, welsh_level="none")
    borrow = api_client(borrower_admin)
    day = next_weekday(4)
    posted = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests",
                         json=request_body(day, on_board=True, welsh_required=True))
    request_id = posted.get_json()["id"]
    assert posted.get_json()["on_board"] is True

    worker = api_client(account)
    board = worker.client.get(f"/c/{lender.slug}/worker-pool/").get_data(as_text=True)
    assert 'id="board"' in board
    # The worker without Welsh does not see it, and cannot take it.
    other = api_client(other_account)
    token = other.headers["X-CSRFToken"]
    refused = other.client.post(f"/c/{lender.slug}/worker-pool/board/{request_id}",
                                data={"csrf_token": token})
    assert refused.status_code == 404

    taken = worker.client.post(f"/c/{lender.slug}/worker-pool/board/{request_id}",
                               data={"csrf_token": worker.headers["X-CSRFToken"]})
    assert taken.status_code == 302
    offers = api_client(lender_admin).get(f"/api/v1/c/{lender.slug}/lending/offers").get_json()
    mine = [o for o in offers if o["request_id"] == request_id]
    assert [(o["worker_ref"], o["volunteered"], o["state"]) for o in mine] == [
        (ref, True, "offered")]
    approved = api_client(lender_admin).post(
        f"/api/v1/c/{lender.slug}/lending/offers/{mine[0]['id']}/approve")
    # The worker already said yes on the board: approval goes straight to accepted.
    assert approved.get_json()["state"] == "accepted"
    record_compliance(app, mine[0]['id'])
    confirmed = borrow.post(f"/api/v1/c/{borrower.slug}/lending/offers/{mine[0]['id']}/confirm")
    assert confirmed.get_json()["state"] == "confirmed"

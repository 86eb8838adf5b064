"""The worker's side of a loan, without a browser: the offer page (area, times, pay per
hour, status, deadline), "my shifts" before and after confirmation, and who may see what
(issue 11)."""

from __future__ import annotations

from tests.fixtures.app import csrf_token
from tests.fixtures.factories import add_member, create_account
from tests.services.lending.helpers import (
    make_confirmable,
    next_weekday,
    pool_coop,
    pool_worker,
    request_body,
)


def _lent(page: str) -> str:
    """The "lent to other co-ops" list of the rota's My shifts page."""
    start = page.index('id="lent"')
    return page[start:page.index("</ul>", start)]


def test_the_offer_page_and_my_shifts_follow_the_loan(app, api_client, coop_session, run_jobs):
    lender, lender_admin = pool_coop(app, "W06000002")
    borrower, borrower_admin = pool_coop(app, "W06000003")
    _worker_id, worker, ref = pool_worker(app, lender, coop_session)
    _other_id, other_worker, _other_ref = pool_worker(app, lender, coop_session)
    borrow = api_client(borrower_admin)
    day = next_weekday(2)
    request_id = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests",
                             json=request_body(day, rate="13.25")).get_json()["id"]
    agreement_id = borrow.post(f"/api/v1/c/{borrower.slug}/lending/requests/{request_id}/offers",
                               json={"worker_ref": ref}).get_json()["id"]
    offer = f"/c/{lender.slug}/worker-pool/offers/{agreement_id}"
    mine = api_client(worker).client
    # Not offered to the worker yet: their co-op has still to agree, and may say no.
    assert mine.get(offer).status_code == 404
    api_client(lender_admin).post(f"/api/v1/c/{lender.slug}/lending/offers/{agreement_id}/approve")

    page = mine.get(offer).get_data(as_text=True)
    assert 'id="offer-place">Conwy<' in page
    assert 'id="offer-pay">£13.25 an hour<' in page
    assert "Waiting for your answer" in page and 'id="offer-expires"' in page
    assert f"{day:%B}" in page and "10:00–14:00" in page
    # Someone else's offer, or the offer through another co-op's pages, is not found.
    assert api_client(other_worker).client.get(offer).status_code == 404
    assert mine.get(f"/c/{borrower.slug}/worker-pool/offers/{agreement_id}").status_code in (
        403, 404)
    assert api_client(lender_admin).client.get(offer).status_code == 404

    answered = mine.post(f"{offer}/accept", data={"csrf_token": csrf_token(mine, offer)})
    assert answered.status_code == 302 and answered.headers["Location"].endswith(offer)
    assert "Awaiting confirmation" in mine.get(offer).get_data(as_text=True)
    pool = mine.get(f"/c/{lender.slug}/worker-pool/").get_data(as_text=True)
    shifts = pool[pool.index('id="my-shifts"'):pool.index("</table>", pool.index('id="my-shifts"'))]
    assert "Awaiting confirmation" in shifts and borrower.name in shifts
    rota = f"/c/{lender.slug}/rota/mine?week={day.isoformat()}"
    lent = _lent(mine.get(rota).get_data(as_text=True))
    assert "Awaiting confirmation" in lent and borrower.name in lent

    # The borrower sees it waiting for confirmation on its lending page, and confirms.
    lending_page = api_client(borrower_admin).client.get(f"/c/{borrower.slug}/lending/")
    assert 'id="to-confirm"' in lending_page.get_data(as_text=True)
    make_confirmable(app, agreement_id)
    assert borrow.post(f"/api/v1/c/{borrower.slug}/lending/offers/{agreement_id}/confirm"
                       ).status_code == 200
    run_jobs()
    pool = mine.get(f"/c/{lender.slug}/worker-pool/").get_data(as_text=True)
    shifts = pool[pool.index('id="my-shifts"'):pool.index("</table>", pool.index('id="my-shifts"'))]
    assert "Awaiting confirmation" not in shifts and "Confirmed" in shifts
    assert shifts.count(f"/worker-pool/offers/{agreement_id}") == 1  # once, from the rota
    assert 'id="offer-status">Confirmed<' in mine.get(offer).get_data(as_text=True)
    lent = _lent(mine.get(rota).get_data(as_text=True))
    assert "Awaiting confirmation" not in lent and "Confirmed" in lent
    assert lent.count("<li>") == 1  # from the rota now, not twice
    assert 'id="to-confirm"' not in api_client(borrower_admin).client.get(
        f"/c/{borrower.slug}/lending/").get_data(as_text=True)


def test_a_member_who_is_no_worker_has_no_offer_page(app, api_client, coop_session):
    lender, _admin = pool_coop(app, "W06000002")
    _borrower, _ = pool_coop(app, "W06000003")
    member = create_account(app, name="Member Only")
    add_member(app, lender, member, "member")
    assert api_client(member).client.get(
        f"/c/{lender.slug}/worker-pool/offers/1").status_code == 403

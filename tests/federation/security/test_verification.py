"""An address receives nothing until its holder proves it; sign-up says nothing about
whether an account exists, and is rate-limited."""

from __future__ import annotations

from sqlalchemy import select

from core.db import db
from federation.accounts.models import Account
from federation.coops.service import check_create_coop
from federation.extensions import limiter
from tests.fixtures.app import captured_mail, csrf_token, sign_in, sign_up
from tests.fixtures.factories import PASSWORD, drain_jobs, unique


def _post_sign_up(client, email: str, password: str = "squatter password"):
    token = csrf_token(client, "/signup")
    return client.post("/signup", data={"display_name": "Someone", "email": email,
                                        "password": password, "confirm": password,
                                        "csrf_token": token})


def _page_for(response, email: str) -> str:
    return response.get_data(as_text=True).replace(email, "EMAIL")


def test_sign_up_answers_the_same_whether_or_not_the_address_has_an_account(
        app, make_account):
    known = make_account()
    new = f"{unique('new')}@example.org"
    answers = []
    for email in (new, known.email):
        client = app.test_client()
        limiter.reset()
        with captured_mail() as mails:
            answer = _post_sign_up(client, email)
            drain_jobs(app)
        answers.append((answer.status_code, _page_for(answer, email),
                        [m for m in mails if f"To: {email}" in m]))
    (status_new, page_new, mail_new), (status_known, page_known, mail_known) = answers
    assert status_new == status_known == 200
    strip = [line for line in page_new.splitlines() if "csrf" not in line]
    assert strip == [line for line in page_known.splitlines() if "csrf" not in line]
    assert len(mail_new) == 1 and "/verify/" in mail_new[0]
    assert len(mail_known) == 1 and "already" in mail_known[0]


def test_an_unverified_account_cannot_sign_in(app, client):
    email = f"{unique('unverified')}@example.org"
    assert _post_sign_up(client, email, PASSWORD).status_code == 200
    refused = sign_in(client, email, PASSWORD)
    assert refused.status_code == 200 and "Check your email" in refused.get_data(as_text=True)
    assert not client.get("/api/v1/session").get_json()["signed_in"]


def test_a_coop_granted_to_a_squatted_address_reaches_only_its_holder(app, make_coop):
    victim = f"{unique('victim')}@example.org"
    squatter = app.test_client()
    assert _post_sign_up(squatter, victim, "squatter password").status_code == 200
    # The federation admin now creates a co-op for the address (coop create --admin-email).
    with app.app_context():
        requested = check_create_coop({"name": "Squatted co-op", "slug": unique("sq"),
                                       "type": "worker", "la": "W06000018",
                                       "admin_email": victim})
        slug = requested.coop.slug
        db.session.commit()
    drain_jobs(app)
    # The squatter's password opens nothing: the address was never proved.
    assert sign_in(squatter, victim, "squatter password").status_code == 200
    drain_jobs(app)  # that sign-in mailed another link (one that sets no password)
    assert squatter.get(f"/c/{slug}/").status_code in (302, 404)
    # The address's holder signs up, follows the link, and the co-op is theirs.
    holder = app.test_client()
    limiter.reset()
    assert sign_up(holder, victim, "the holder's password").status_code == 302
    assert holder.get(f"/c/{slug}/").status_code == 200
    # The squatter's password no longer works at all.
    limiter.reset()
    assert sign_in(app.test_client(), victim, "squatter password").status_code == 400
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.email == victim))
        assert account.email_verified


def test_sign_up_is_rate_limited(app):
    limiter.reset()
    client = app.test_client()
    statuses = [_post_sign_up(client, f"{unique('many')}@example.org").status_code
                for _ in range(6)]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
    limiter.reset()

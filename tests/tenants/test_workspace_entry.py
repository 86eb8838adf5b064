"""Entering a co-op's workspace reads the login session, the co-op and the person's role
there in one query, afresh on every request (issue 16): a role change, a removed
membership, a suspended co-op or an ended session counts from the very next request,
and only in the co-op it concerns."""

from __future__ import annotations

import contextlib

from sqlalchemy import delete, event, update

from core.db import db
from federation.accounts.models import LoginSession
from federation.extensions import limiter
from tenants.registry.models import Membership
from tenants.registry.service import change_state
from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD, add_member


def _signed_in(app, account):
    limiter.reset()
    client = app.test_client()
    assert sign_in(client, account.email, PASSWORD).status_code == 302
    return client


def _member_of_both(app, two_coops, make_account, role: str):
    (a, _), (b, _) = two_coops
    person = make_account()
    add_member(app, a, person, role)
    add_member(app, b, person, role)
    return a, b, person, _signed_in(app, person)


def _in_federation(app, statement) -> None:
    with app.app_context():
        db.session.execute(statement)
        db.session.commit()


def test_a_role_change_counts_from_the_next_request(app, two_coops, make_account):
    a, b, person, client = _member_of_both(app, two_coops, make_account, "coordinator")
    managers_only = "/c/{}/members/registers"
    assert client.get(managers_only.format(a.slug)).status_code == 200
    _in_federation(app, update(Membership).where(
        Membership.coop_id == a.id, Membership.account_id == person.id).values(role="member"))
    assert client.get(managers_only.format(a.slug)).status_code == 403
    assert client.get(f"/c/{a.slug}/").status_code == 200
    assert client.get(managers_only.format(b.slug)).status_code == 200
    _in_federation(app, update(Membership).where(
        Membership.coop_id == a.id, Membership.account_id == person.id).values(
        role="coordinator"))
    assert client.get(managers_only.format(a.slug)).status_code == 200


def test_a_removed_membership_is_404_from_the_next_request(app, two_coops, make_account):
    a, b, person, client = _member_of_both(app, two_coops, make_account, "member")
    assert client.get(f"/c/{a.slug}/").status_code == 200
    _in_federation(app, delete(Membership).where(
        Membership.coop_id == a.id, Membership.account_id == person.id))
    assert client.get(f"/c/{a.slug}/").status_code == 404
    assert client.get(f"/api/v1/c/{a.slug}/member-classes").status_code == 404
    assert client.get(f"/c/{b.slug}/").status_code == 200
    assert client.get("/c/no-such-coop-here/").status_code == 404


def test_a_suspended_coop_is_503_from_the_next_request(app, two_coops, make_account):
    a, b, _person, client = _member_of_both(app, two_coops, make_account, "admin")
    assert client.get(f"/c/{a.slug}/").status_code == 200
    with app.app_context():
        change_state(a.slug, "suspend")
        db.session.commit()
    assert client.get(f"/c/{a.slug}/").status_code == 503
    assert client.get(f"/c/{b.slug}/").status_code == 200
    with app.app_context():
        change_state(a.slug, "reactivate")
        db.session.commit()
    assert client.get(f"/c/{a.slug}/").status_code == 200


def test_an_ended_session_is_signed_out_from_the_next_request(app, two_coops, make_account):
    a, _b, person, client = _member_of_both(app, two_coops, make_account, "admin")
    colleague = make_account()
    add_member(app, a, colleague, "admin")
    other = _signed_in(app, colleague)
    assert client.get(f"/c/{a.slug}/").status_code == 200
    _in_federation(app, delete(LoginSession).where(LoginSession.account_id == person.id))
    response = client.get(f"/c/{a.slug}/")
    assert response.status_code == 302 and "/signin" in response.headers["Location"]
    assert client.get(f"/api/v1/c/{a.slug}/member-classes").status_code == 401
    assert other.get(f"/c/{a.slug}/").status_code == 200


@contextlib.contextmanager
def _statements(app):
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_the_session_coop_and_role_are_read_in_one_query(app, two_coops, make_account):
    a, b, _person, client = _member_of_both(app, two_coops, make_account, "member")
    for slug in (a.slug, b.slug):
        client.get(f"/c/{slug}/")
        with _statements(app) as seen:
            assert client.get(f"/c/{slug}/").status_code == 200
        reads = [s for s in seen if "memberships" in s or "login_sessions" in s
                 or "coops" in s]
        assert len(reads) == 1, reads
        assert "login_sessions" in reads[0] and "memberships" in reads[0]

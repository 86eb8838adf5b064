"""The workspace test helpers do what they say, on two co-ops."""

from sqlalchemy import select

from tenants.members.models import MemberClass


def test_coop_session_reaches_each_coops_own_store(two_coops, coop_session):
    (a, _), (b, _) = two_coops
    with coop_session(a) as session:
        codes_a = set(session.scalars(select(MemberClass.code)))
    with coop_session(b) as session:
        codes_b = set(session.scalars(select(MemberClass.code)))
    assert "worker" in codes_a and "dp_holder" in codes_b and codes_a != codes_b


def test_api_client_sends_csrf_and_gets_problem_json(two_coops, api_client):
    (a, admin_a), (b, _) = two_coops
    client = api_client(admin_a)
    response = client.post(f"/api/v1/c/{b.slug}/nothing-here", json={})
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"

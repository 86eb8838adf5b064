"""The register of officers: appointments, elections carried by the members' vote, and the
dated CIW notification task an officer change raises in a co-op with a registered service."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tenants.audit.models import TenantAuditEvent
from tenants.governance.models import Ballot
from tenants.members import service as members
from tenants.officers import service
from tenants.officers.models import CoopTask, Officer
from tenants.position.service import add_service
from tests.fixtures.app import CSRF, sign_in
from tests.fixtures.factories import PASSWORD


@pytest.fixture
def coops(two_coops, coop_session):
    """Two co-ops: the first runs a CIW-registered domiciliary support service, the other
    none. Each has three voting members; the first is linked to the admin's account."""
    (registered, admin), (plain, plain_admin) = two_coops
    for coop, account in ((registered, admin), (plain, plain_admin)):
        with coop_session(coop) as session:
            code = session.scalar(select(members.MemberClass.code).where(
                members.MemberClass.voting.is_(True)))
            for n, name in enumerate(("Ann Jones", "Bryn Evans", "Carys Hughes")):
                member = members.create_member(session, {
                    "display_name": name, "joined_on": date(2025, 1, 6), "classes": [code],
                    "email": None}, actor_account_id=None)
                if n == 0:
                    member.account_id = account.id
            session.flush()
    with coop_session(registered):
        add_service({"service_type": "domiciliary_support", "ciw_service_id": "SIN-00012345",
                     "responsible_individual": "Dewi Lloyd"}, actor_account_id=None)
    return (registered, admin), (plain, plain_admin)


def _tasks(coop_session, coop) -> list[CoopTask]:
    with coop_session(coop) as session:
        tasks = list(session.scalars(select(CoopTask).order_by(CoopTask.id)))
        session.expunge_all()
    return tasks


def _close_ballots(coop_session, coop) -> None:
    """Let time pass: every ballot closed a minute ago."""
    with coop_session(coop) as session:
        for ballot in session.scalars(select(Ballot)):
            ballot.opens_at = datetime.now(UTC) - timedelta(days=7)
            ballot.closes_at = datetime.now(UTC) - timedelta(minutes=1)


def _ballot_window() -> dict:
    now = datetime.now(UTC)
    return {"opens_at": (now - timedelta(minutes=5)).isoformat(),
            "closes_at": (now + timedelta(days=7)).isoformat(), "quorum": 1}


def _member_id(coop_session, coop, name: str) -> int:
    with coop_session(coop) as session:
        return session.scalar(select(members.Member.id).where(
            members.Member.display_name == name))


def test_electing_a_secretary_through_the_api_raises_the_ciw_task_only_with_a_service(
        app, coops, api_client, coop_session):
    for (coop, admin), expect_task in zip(coops, (True, False), strict=True):
        api = api_client(admin)
        base = f"/api/v1/c/{coop.slug}/officers"
        candidate = _member_id(coop_session, coop, "Bryn Evans")
        made = api.post(f"{base}/elections", json={
            "office": "secretary", "member_id": candidate, **_ballot_window()})
        assert made.status_code == 201, made.get_json()
        election = made.get_json()
        # Not yet carried: the ballot is open.
        early = api.post(f"{base}/elections/{election['id']}/carry")
        assert early.status_code == 409
        ballots = api.get(f"/api/v1/c/{coop.slug}/ballots").get_json()
        ballot_id = next(b["id"] for b in ballots if b["proposal_id"] == election["proposal_id"])
        assert api.post(f"/api/v1/c/{coop.slug}/ballots/{ballot_id}/votes",
                        json={"choice": "for"}).status_code == 201
        _close_ballots(coop_session, coop)
        carried = api.post(f"{base}/elections/{election['id']}/carry")
        assert carried.status_code == 200, carried.get_json()
        assert carried.get_json()["officer_id"] is not None
        register = api.get(base).get_json()
        assert [(o["office"], o["name"], o["ended_on"]) for o in register] == [
            ("secretary", "Bryn Evans", None)]
        tasks = api.get(f"{base}/tasks").get_json()
        if expect_task:
            (task,) = tasks
            today = service.today()
            assert task["code"] == "notify_ciw_officer_change"
            assert task["source"] == f"election:{election['id']}"
            assert task["due_on"] == (today + timedelta(days=28)).isoformat()
            assert "Notify CIW" in task["text"] and "Bryn Evans" in task["text"]
            assert "Secretary" in task["text"]
        else:
            assert tasks == []
        # Carrying again changes nothing.
        assert api.post(f"{base}/elections/{election['id']}/carry").status_code == 200
        assert len(api.get(base).get_json()) == 1
    with coop_session(coops[0][0]) as session:
        actions = set(session.scalars(select(TenantAuditEvent.action)))
    assert {"officer.election_proposed", "officer.election_carried", "officer.appointed",
            "task.added"} <= actions


def _page_post(client, path: str, form_path: str, data: dict):
    token = CSRF.search(client.get(form_path).get_data(as_text=True)).group(1)
    return client.post(path, data={**data, "csrf_token": token})


def test_electing_and_ending_a_term_through_the_pages(app, client, coops, coop_session):
    (coop, admin), (plain, plain_admin) = coops
    for c, account in ((coop, admin), (plain, plain_admin)):
        client.get("/signout")
        assert sign_in(client, account.email, PASSWORD).status_code == 302
        page = f"/c/{c.slug}/officers/"
        now = datetime.now(UTC).astimezone()
        response = _page_post(client, f"/c/{c.slug}/officers/elections", page, {
            "election_office": "chair", "candidate_name": "Carys Hughes",
            "opens_at": (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            "quorum": "1"})
        assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
        with coop_session(c) as session:
            ballot_id = session.scalar(select(Ballot.id))
        vote_page = f"/c/{c.slug}/governance/ballots/{ballot_id}"
        assert _page_post(client, f"{vote_page}/vote", vote_page,
                          {"choice": "for"}).status_code == 302
        _close_ballots(coop_session, c)
        listing = client.get(page).get_data(as_text=True)
        assert "Carry out the result" in listing
        with coop_session(c) as session:
            election_id = session.scalar(select(service.OfficerElection.id))
        # The ballot page in governance says it is an officer election and carries it.
        ballot_page = client.get(vote_page).get_data(as_text=True)
        assert 'id="officer-election"' in ballot_page and "Carry out the result" in ballot_page
        assert _page_post(client, f"/c/{c.slug}/officers/elections/{election_id}/carry",
                          vote_page, {}).status_code == 302
        assert "Carried: appointed" in client.get(vote_page).get_data(as_text=True)
        listing = client.get(page).get_data(as_text=True)
        assert "Carys Hughes" in listing and "In office" in listing
        with coop_session(c) as session:
            officer_id = session.scalar(select(Officer.id))
        ended = _page_post(client, f"/c/{c.slug}/officers/{officer_id}/end", page,
                           {"ended_on": service.today().isoformat()})
        assert ended.status_code == 302
        tasks_page = client.get(f"/c/{c.slug}/officers/tasks").get_data(as_text=True)
        if c is coop:
            assert tasks_page.count("Notify CIW of a change of officer") == 2
            assert "Election 1, carried by the members&#39; vote" in tasks_page \
                or "carried by the members" in tasks_page
            assert "Edit of the register of officers" in tasks_page
        else:
            assert "Notify CIW" not in tasks_page and "No tasks." in tasks_page
    assert [t.source.split(":")[0] for t in _tasks(coop_session, coop)] == [
        "election", "officer"]
    assert _tasks(coop_session, plain) == []


BAD = [
    ({"office": "king", "name": "X", "appointed_on": "2025-01-01"}, "office"),
    ({"office": "chair", "name": "", "appointed_on": "2025-01-01"}, "name"),
    ({"office": "chair", "name": "X", "appointed_on": "2999-01-01"}, "appointed_on"),
    ({"office": "chair", "name": "X", "appointed_on": "2025-01-01",
      "ended_on": "2024-01-01"}, "ended_on"),
    ({"office": "chair", "member_id": 999999, "appointed_on": "2025-01-01"}, "member_id"),
    ({"office": "chair", "name": "X", "appointed_on": "not a date"}, "appointed_on"),
]


@pytest.mark.parametrize(("body", "field"), BAD, ids=[f for _b, f in BAD])
def test_bad_appointments_are_refused_naming_the_field_and_nothing_is_written(
        app, coops, api_client, coop_session, body, field):
    (coop, admin), _other = coops
    response = api_client(admin).post(f"/api/v1/c/{coop.slug}/officers", json=body)
    assert response.status_code == 422
    assert field in str(response.get_json())
    with coop_session(coop) as session:
        assert session.scalar(select(Officer.id)) is None
        assert session.scalar(select(CoopTask.id)) is None


def test_a_member_reads_the_register_but_cannot_change_it_or_see_tasks(
        app, coops, api_client, make_account, coop_session):
    from tests.fixtures.factories import add_member

    (coop, admin), _other = coops
    with coop_session(coop):
        service.appoint_officer({"office": "treasurer", "name": "Ann Jones",
                                 "appointed_on": date(2025, 2, 1)}, admin.id)
    reader = make_account()
    add_member(app, coop, reader, "member")
    api = api_client(reader)
    base = f"/api/v1/c/{coop.slug}/officers"
    assert [o["name"] for o in api.get(base).get_json()] == ["Ann Jones"]
    assert api.get(f"{base}/tasks").status_code == 403
    assert api.post(base, json={"office": "chair", "name": "Y",
                                "appointed_on": "2025-01-01"}).status_code == 403
    # The other co-op's register is not visible through this one's.
    assert api.get(f"/api/v1/c/{_other[0].slug}/officers").status_code == 404


def test_a_bad_election_form_names_each_field_and_writes_nothing(app, client, coops,
                                                                 coop_session):
    (coop, admin), _other = coops
    assert sign_in(client, admin.email, PASSWORD).status_code == 302
    page = f"/c/{coop.slug}/officers/"
    client.get("/language/cy?next=/")
    response = _page_post(client, f"/c/{coop.slug}/officers/elections", page, {
        "election_office": "king", "candidate_name": "", "candidate_member_id": "x",
        "opens_at": "2000-12-31T10:00", "closes_at": "2001-01-01T10:00", "quorum": "many"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and '<html lang="cy"' in body
    for field in ("election_office", "candidate_member_id", "quorum"):
        assert f'id="{field}-error"' in body, field
    assert "Dewiswch swydd o&#39;r rhestr." in body
    # With the rest right, a ballot that closed in the past is named in turn.
    response = _page_post(client, f"/c/{coop.slug}/officers/elections", page, {
        "election_office": "chair", "candidate_name": "Ann Jones",
        "opens_at": "2000-12-31T10:00", "closes_at": "2001-01-01T10:00", "quorum": "1"})
    assert response.status_code == 422
    assert 'id="closes_at-error"' in response.get_data(as_text=True)
    with coop_session(coop) as session:
        assert session.scalar(select(service.OfficerElection.id)) is None
        assert session.scalar(select(Ballot.id)) is None


def test_a_bad_appointment_or_end_on_the_page_is_422_naming_the_field(app, client, coops,
                                                                      coop_session):
    (coop, admin), (plain, _plain_admin) = coops
    assert sign_in(client, admin.email, PASSWORD).status_code == 302
    page = f"/c/{coop.slug}/officers/"
    # The schema's refusals: each wrong or missing answer named with the page's wording.
    response = _page_post(client, f"/c/{coop.slug}/officers/new", page, {
        "office": "king", "name": "Ann Jones", "member_id": "²", "appointed_on": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("office", "member_id", "appointed_on"):
        assert f'id="{field}-error"' in body, field
    assert "Choose an office from the list." in body
    assert 'value="Ann Jones"' in body  # the answers are shown again
    # The service's refusal keeps its own words: a member of another co-op is not one here.
    response = _page_post(client, f"/c/{coop.slug}/officers/new", page, {
        "office": "chair", "member_id": "999999", "appointed_on": "2025-01-01"})
    assert response.status_code == 422
    assert 'id="member_id-error"' in response.get_data(as_text=True)
    with coop_session(coop) as session:
        assert session.scalar(select(Officer.id)) is None
    with coop_session(coop):
        officer = service.appoint_officer({"office": "treasurer", "name": "Bryn Evans",
                                           "appointed_on": date(2025, 2, 1)}, admin.id)
    for ended_on in ("", "not a date", "2024-01-01"):
        response = _page_post(client, f"/c/{coop.slug}/officers/{officer.id}/end", page,
                              {"ended_on": ended_on})
        assert response.status_code == 422, ended_on
        assert 'href="#ended_on"' in response.get_data(as_text=True), ended_on
    with coop_session(coop) as session:
        assert session.get(Officer, officer.id).ended_on is None
    with coop_session(plain) as session:
        assert session.scalar(select(Officer.id)) is None

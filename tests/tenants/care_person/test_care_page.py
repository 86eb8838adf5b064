"""The person's care page: their own visits only, through the page and the API; family see
only what the person granted, and nothing after the person stops it.

Two co-ops, two clients each. Every view by the person or family is audited.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy import func, select

from core.db import db
from tenants.audit.models import TenantAuditEvent
from tenants.care_person.access import CareAccess
from tests.fixtures.app import csrf_token, sign_in
from tests.fixtures.factories import PASSWORD, create_account, unique
from tests.tenants.care_person.helpers import NAMES, build_world, linked_person

LINK = re.compile(r"https?://[^/\s]+(/care-invitations/[\w-]+/[\w-]+)")
OTHERS = [name for index in NAMES for pair in NAMES[index] for name in pair
          if name not in ("Mair Lloyd", "Ceri Evans")]


def _views(coop_session, coop) -> int:
    with coop_session(coop) as session:
        return session.scalar(select(func.count()).select_from(TenantAuditEvent).where(
            TenantAuditEvent.action == "care.week_viewed"))


def test_the_person_sees_only_their_own_visits(app, two_coops, coop_session, api_client):
    a_place, b_place = build_world(two_coops, coop_session)
    (a, _), (b, _) = two_coops
    person = linked_person(app, api_client, a_place)
    api = api_client(person)

    week = api.get(f"/api/v1/c/{a.slug}/my-care/week")
    assert week.status_code == 200, week.get_json()
    body = week.get_json()
    assert body["seat"] == "person" and body["person"] == "Mair"
    assert [v["worker"] for v in body["visits"]] == ["Ceri", "Ceri"]
    assert all(v["starts"] == "09:00" and v["ends"] == "09:45" for v in body["visits"])
    assert "Evans" not in week.get_data(as_text=True)

    page = api.client.get(f"/c/{a.slug}/my-care/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Ceri is coming" in text and "09:00 to 09:45" in text
    for name in OTHERS + ["Evans"]:
        assert name.split()[0] not in text and name not in text, name

    # Nothing of co-op B, nor of the workspace: the link is the only way in.
    assert api.get(f"/api/v1/c/{b.slug}/my-care/week").status_code == 404
    assert api.client.get(f"/c/{b.slug}/my-care/").status_code == 404
    assert api.client.get(f"/c/{a.slug}/clients/").status_code == 404
    assert api.get(f"/api/v1/c/{a.slug}/clients").status_code == 404
    assert api.get(f"/api/v1/c/{a.slug}/my-care/week?client_id={a_place.clients[1]}"
                   ).status_code == 404
    # Someone not linked is refused exactly as for a co-op that does not exist.
    stranger = api_client(create_account(app))
    assert stranger.get(f"/api/v1/c/{a.slug}/my-care/week").status_code == 404
    assert stranger.get("/api/v1/c/no-such-coop/my-care/week").status_code == 404
    # Junk in the query is refused or ignored, never a server error.
    assert api.client.get(f"/c/{a.slug}/my-care/?week=soon&client_id=x").status_code == 200
    junk = api.get(f"/api/v1/c/{a.slug}/my-care/week?week=soon")
    assert junk.status_code == 422 and "query.week" in junk.get_json()["errors"]
    assert _views(coop_session, a) == 3 and _views(coop_session, b) == 0


def test_family_see_only_what_was_granted_and_nothing_after_it_stops(
        app, client, two_coops, coop_session, api_client, run_jobs, caplog):
    a_place, b_place = build_world(two_coops, coop_session)
    (a, admin_a), (b, _) = two_coops
    person = linked_person(app, api_client, a_place)
    other_person = linked_person(app, api_client, b_place, name="Gwilym Price")
    api = api_client(person)
    caplog.set_level(logging.INFO, logger="coopfed.mail")

    # The coordinator cannot invite family: the person does.
    assert api_client(admin_a).post(f"/api/v1/c/{a.slug}/my-care/family", json={
        "email": "x@example.org", "sees_times": True}).status_code == 404
    nia = f"{unique('nia')}@example.org"  # the app is shared: an address no other test uses
    invited = api.post(f"/api/v1/c/{a.slug}/my-care/family",
                       json={"email": nia.replace("nia", "Nia", 1), "sees_times": True})
    assert invited.status_code == 201, invited.get_json()
    assert invited.get_json()["sees_names"] is False
    grant_id = invited.get_json()["id"]
    run_jobs()
    mails = [r.getMessage() for r in caplog.records if r.name == "coopfed.mail"]
    assert len(mails) == 1 and f"To: {nia}" in mails[0]
    path = LINK.search(mails[0]).group(1)

    # Only the account the invitation was sent to can accept it.
    wrong = create_account(app)
    assert sign_in(client, wrong.email, PASSWORD).status_code == 302
    assert client.post(path, data={"csrf_token": csrf_token(client, "/")}).status_code == 403
    family = create_account(app, email=nia, name="Nia Lloyd")
    web = app.test_client()
    assert sign_in(web, family.email, PASSWORD).status_code == 302
    accepted = web.post(path, data={"csrf_token": csrf_token(web, path)})
    assert accepted.status_code == 302, accepted.get_data(as_text=True)
    assert web.post(path, data={"csrf_token": csrf_token(web, "/")}).status_code == 404

    page = web.get(f"/c/{a.slug}/my-care/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Care for Mair this week" in text and "09:00 to 09:45" in text
    assert "Ceri" not in text and "Please not" not in text and "Family" not in text
    token = web.get("/api/v1/session").get_json()["csrf_token"]
    week = web.get(f"/api/v1/c/{a.slug}/my-care/week").get_json()
    assert week["seat"] == "family" and week["sees_names"] is False
    assert [v["worker"] for v in week["visits"]] == [None, None]
    assert [v["starts"] for v in week["visits"]] == ["09:00", "09:00"]
    # Family cannot state wishes nor invite others, and see nothing of co-op B.
    assert web.put(f"/api/v1/c/{a.slug}/my-care/wishes", headers={"X-CSRFToken": token},
                   json={"worker": "w1", "wish": "not"}).status_code == 403
    assert web.get(f"/api/v1/c/{b.slug}/my-care/week").status_code == 404
    assert api_client(other_person).get(
        f"/api/v1/c/{b.slug}/my-care/week").get_json()["person"] == "Gwilym"

    # The person stops it: from then on, 404 on the page and the API.
    stopped = api.delete(f"/api/v1/c/{a.slug}/my-care/family/{grant_id}")
    assert stopped.status_code == 200 and stopped.get_json()["revoked"] is True
    assert web.get(f"/c/{a.slug}/my-care/").status_code == 404
    assert web.get(f"/api/v1/c/{a.slug}/my-care/week").status_code == 404
    with app.app_context():
        assert db.session.get(CareAccess, (family.id, a.id)) is None
        assert db.session.get(CareAccess, (person.id, a.id)) is not None
    with coop_session(a) as session:
        actions = session.scalars(select(TenantAuditEvent.action).where(
            TenantAuditEvent.action.like("care.%"))).all()
        seats = [e.detail["seat"] for e in session.scalars(select(TenantAuditEvent).where(
            TenantAuditEvent.action == "care.week_viewed"))]
    assert {"care.linked", "care.family_invited", "care.family_invitation_sent",
            "care.family_accepted", "care.family_revoked"} <= set(actions)
    assert seats == ["family", "family"]

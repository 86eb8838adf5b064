"""An invitation link works only for the account whose verified email it was sent to."""

from __future__ import annotations

from tenants.members import service as members
from tenants.members.models import Member
from tests.fixtures.app import csrf_token, sign_in
from tests.fixtures.factories import PASSWORD, create_account, drain_jobs, unique
from tests.tenants.members.helpers import signed_in


def test_only_the_invited_address_can_accept(app, two_coops, coop_session):
    (a, admin_a), _ = two_coops
    admin = signed_in(app, admin_a)
    invited = f"{unique('invitee')}@example.org"
    member = admin.post(f"/api/v1/c/{a.slug}/members", json={
        "display_name": "Gwen Rees", "email": invited, "joined_on": "2025-03-01",
        "classes": ["worker"]}).get_json()
    # The token as the mail job makes it (the email itself is tested with the mail job).
    with coop_session(a) as session:
        invitation_id = members.invite_member(session, member["id"], actor_account_id=None).id
    drain_jobs(app)  # the invitation's own email goes first; then a fresh link for the test
    drain_jobs(app)
    with coop_session(a) as session:
        issued = members.issue_invitation(session, invitation_id, resend=True)
    path = f"/invitations/{a.slug}/{issued.token}"

    someone_else = create_account(app)
    stranger = app.test_client()
    assert sign_in(stranger, someone_else.email, PASSWORD).status_code == 302
    refused = stranger.post(path, data={"csrf_token": csrf_token(stranger, path)})
    assert refused.status_code == 403
    assert "different email address" in refused.get_data(as_text=True)
    with coop_session(a) as session:
        assert session.get(Member, member["id"]).account_id is None
    assert stranger.get(f"/c/{a.slug}/").status_code == 404

    invitee = create_account(app, email=invited)
    holder = app.test_client()
    assert sign_in(holder, invitee.email, PASSWORD).status_code == 302
    accepted = holder.post(path, data={"csrf_token": csrf_token(holder, path)})
    assert accepted.status_code == 302
    with coop_session(a) as session:
        assert session.get(Member, member["id"]).account_id == invitee.id

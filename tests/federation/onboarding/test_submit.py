"""Submitting: an account, one co-op per draft however often it is sent, and the follow-up."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from core.audit import AuditEvent
from core.db import db
from federation.agencies.models import AgencyAccess
from federation.onboarding import service
from federation.onboarding.models import Draft
from tenants import provisioning
from tenants.members.models import Invitation, Member, MemberClass
from tenants.registry.models import Coop, CoopState, Membership
from tenants.settings_models import CoopSetting
from tests.federation.onboarding.helpers import (
    INVITE_LINK,
    Wizard,
    answers,
    capture_mail,
    mails,
    make_agency,
)
from tests.fixtures.app import sign_in, sign_up
from tests.fixtures.factories import PASSWORD, create_account, unique


def _coops(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Coop.id)).where(Coop.slug == slug))


def _progress_id(client) -> int:
    with client.session_transaction() as session:
        token = session["onboarding_token"]
    with client.application.app_context():
        return service.draft_for_token(token).id



def _submit_losing_the_apply_job(app, client, good: dict, run_jobs, monkeypatch) -> int:
    """A new account submits ``good``, and the process dies before the apply job reaches
    the queue (every other job runs); the draft's id."""
    sign_in(client, create_account(app).email, PASSWORD)
    wizard = Wizard(client)
    wizard.start()
    wizard.fill(good)
    backend = app.extensions["coopfed.jobs"]
    original = backend.dispatch
    monkeypatch.setattr(backend, "dispatch", lambda requests: original(
        [r for r in requests if r.func != service.APPLY_JOB]))
    wizard.submit()
    draft_id = _progress_id(client)
    run_jobs()
    monkeypatch.setattr(backend, "dispatch", original)
    return draft_id

def test_anonymous_people_sign_up_and_come_back_to_the_review(app, client):
    wizard = Wizard(client)
    wizard.start()
    good = answers()
    wizard.fill(good)
    page = client.get("/start/review").get_data(as_text=True)
    assert "/signup?next=/start/resume/" in page and "Send and set up" not in page
    refused = client.post("/start/submit", data={"csrf_token": wizard.token("/start")})
    location = refused.headers["Location"]
    assert refused.status_code == 302 and location.startswith("/signin?next=/start/resume/")
    assert _coops(app, good["group"]["slug"]) == 0
    # Sign up honours ?next=, and the link brings the draft back after the fresh session.
    next_path = location.split("next=", 1)[1].replace("%3D", "=").replace("%3F", "?")
    signed_up = sign_up(client, f"{unique('ann')}@example.org", PASSWORD, name="Ann Jones",
                        next_path=next_path)
    assert signed_up.headers["Location"] == next_path
    assert client.get(next_path).headers["Location"] == "/start/review"
    assert "Send and set up the workspace" in client.get("/start/review").get_data(as_text=True)


def test_submit_makes_the_coop_records_sharing_and_agency_and_invites_the_founders(
        app, client, two_coops, run_jobs, caplog, coop_session):
    capture_mail(caplog)
    (other, _other_admin), _ = two_coops
    agency_id = make_agency(app)
    submitter = create_account(app)
    assert sign_in(client, submitter.email, PASSWORD).status_code == 302
    wizard = Wizard(client)
    wizard.start()
    good = answers(agency=str(agency_id))
    wizard.fill(good)
    response = wizard.submit()
    draft_id = _progress_id(client)
    assert response.headers["Location"] == f"/start/{draft_id}/progress"
    run_jobs()
    run_jobs()
    with app.app_context():
        draft = db.session.get(Draft, draft_id)
        coop = db.session.get(Coop, draft.coop_id)
        assert (coop.slug, coop.state, coop.la_code) == (
            good["group"]["slug"], CoopState.ACTIVE, "W06000002")
        assert coop.first_admin_account_id == submitter.id and draft.applied_at is not None
        # The founders' details now live in the co-op's register, not in the federation.
        assert draft.answers("people") == {"count": 2} and draft.contact_email is None
        assert good["people"]["people-0-email"] not in str(draft.data)
        assert (coop.shares_statistics, coop.joins_worker_pool) == (True, False)
        assert db.session.scalar(select(Membership.role).where(
            Membership.coop_id == coop.id, Membership.account_id == submitter.id)) == "admin"
        grant = db.session.scalar(select(AgencyAccess).where(AgencyAccess.coop_id == coop.id))
        assert grant.agency_id == agency_id and grant.granted_by_account_id == submitter.id
        actions = set(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.coop_id == coop.id)))
        assert {"onboarding.submitted", "coop.requested", "agency.access_granted",
                "coop.sharing.shares_statistics", "onboarding.applied"} <= actions
        submitted = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "onboarding.submitted", AuditEvent.coop_id == coop.id))
        assert submitted.actor_account_id == submitter.id
        assert submitted.detail["agency_id"] == agency_id
        assert submitted.detail["joins_worker_pool"] is False
        coop_ref = coop
        db.session.expunge(coop)
    with coop_session(coop_ref) as session:
        classes = {c.code: c for c in session.scalars(select(MemberClass))}
        assert set(classes) == {"worker", "friend_of_the_co_op"}  # "supporter" removed
        assert classes["worker"].name_en == "Care worker member"
        assert classes["worker"].min_shares == 2 and not classes["friend_of_the_co_op"].voting
        founders = {m.email: m for m in session.scalars(select(Member))}
        assert set(founders) == {good["people"]["people-0-email"],
                                 good["people"]["people-1-email"]}
        assert [c.code for c in founders[good["people"]["people-1-email"]].classes] == [
            "friend_of_the_co_op"]
        assert session.scalar(select(func.count(Invitation.id))) == 2
        settings = {s.key: s.value for s in session.scalars(select(CoopSetting))}
        assert settings["services"] == ["personal_care", "respite"]
        assert settings["welsh_offer"] == "full"
        assert settings["onboarding_chosen_admin_member_id"] == founders[
            good["people"]["people-0-email"]].id
    with coop_session(other) as session:
        assert session.scalar(select(func.count(Member.id)).where(
            Member.email == good["people"]["people-0-email"])) == 0
    invited = [m for m in mails(caplog) if INVITE_LINK.search(m)]
    assert {line for m in invited for line in m.splitlines() if line.startswith("To: ")} == {
        f"To: {good['people']['people-0-email']}", f"To: {good['people']['people-1-email']}"}
    assert all(f"/invitations/{coop_ref.slug}/" in m for m in invited)
    # The admin lands in the workspace; the progress page says it is ready.
    status = client.get(f"/start/{draft_id}/status").get_json()
    assert status["ready"] and status["percent"] == 100
    assert status["workspace_url"] == f"/c/{coop_ref.slug}/"
    assert client.get(f"/c/{coop_ref.slug}/").status_code == 200
    # Applying again changes nothing.
    from services.jobs.runner import run_job

    with app.app_context():
        assert run_job("federation.onboarding.tasks:apply_draft", coop_ref.id,
                       draft_id) == "applied"


def test_a_founder_with_the_submitters_email_is_linked_not_invited(
        app, client, two_coops, run_jobs, coop_session):
    submitter = create_account(app)
    sign_in(client, submitter.email, PASSWORD)
    wizard = Wizard(client)
    wizard.start()
    good = answers()
    good["people"]["people-0-email"] = submitter.email
    wizard.fill(good)
    wizard.submit()
    run_jobs()
    with app.app_context():
        coop = db.session.scalar(select(Coop).where(Coop.slug == good["group"]["slug"]))
        db.session.expunge(coop)
    with coop_session(coop) as session:
        linked = session.scalar(select(Member).where(Member.email == submitter.email))
        assert linked.account_id == submitter.id
        assert session.scalar(select(func.count(Invitation.id))) == 1


def test_double_and_concurrent_submits_make_exactly_one_coop(app, client, two_coops, run_jobs):
    submitter = create_account(app)
    sign_in(client, submitter.email, PASSWORD)
    wizard = Wizard(client)
    wizard.start()
    good = answers()
    wizard.fill(good)
    token = wizard.token("/start/review")
    cookie = client.get_cookie("session").value
    with app.app_context():
        before = db.session.scalar(select(func.count(Coop.id)))
    tabs = 4
    barrier = threading.Barrier(tabs)
    results: list[int] = []

    def tab():
        own = app.test_client()
        own.set_cookie("session", cookie)
        barrier.wait()
        results.append(own.post("/start/submit", data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=tab) for _ in range(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [302] * tabs
    again = client.post("/start/submit", data={"csrf_token": token})  # a later double click
    assert again.status_code == 302
    run_jobs()
    with app.app_context():
        assert db.session.scalar(select(func.count(Coop.id))) == before + 1
        coop_id = db.session.scalar(select(Coop.id).where(Coop.slug == good["group"]["slug"]))
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "coop.requested", AuditEvent.coop_id == coop_id)) == 1
        assert db.session.scalar(select(func.count(Draft.id)).where(
            Draft.coop_id == coop_id)) == 1


def test_a_failed_set_up_is_retried_for_the_same_coop(app, client, two_coops, run_jobs,
                                                      monkeypatch):
    submitter = create_account(app)
    sign_in(client, submitter.email, PASSWORD)
    wizard = Wizard(client)
    wizard.start()
    good = answers()
    wizard.fill(good)
    with app.app_context():
        before = db.session.scalar(select(func.count(Coop.id)))

    def broken_disk(_store, _ref):
        raise OSError("disk full")

    monkeypatch.setattr(provisioning, "STEPS", (provisioning.create_store, broken_disk))
    wizard.submit()
    draft_id = _progress_id(client)
    run_jobs()
    page = client.get(f"/start/{draft_id}/progress").get_data(as_text=True)
    assert "Setting up the workspace did not work" in page and "Try again" in page
    assert 'http-equiv="refresh"' not in page
    status = client.get(f"/start/{draft_id}/status").get_json()
    assert status["failed"] and not status["ready"]
    monkeypatch.undo()
    retried = client.post(f"/start/{draft_id}/retry",
                          data={"csrf_token": wizard.token(f"/start/{draft_id}/progress")})
    assert retried.headers["Location"] == f"/start/{draft_id}/progress"
    run_jobs()
    with app.app_context():
        assert db.session.scalar(select(func.count(Coop.id))) == before + 1
        coop = db.session.scalar(select(Coop).where(Coop.slug == good["group"]["slug"]))
        assert coop.state == CoopState.ACTIVE and coop.provisioning_attempts == 2
        assert db.session.get(Draft, draft_id).applied_at is not None
    assert client.get(f"/start/{draft_id}/status").get_json()["ready"]
    # Nothing left to retry.
    assert client.post(f"/start/{draft_id}/retry", data={
        "csrf_token": wizard.token(f"/start/{draft_id}/progress")}).status_code == 409


def test_progress_refreshes_itself_while_waiting_and_is_private(app, client, make_coop,
                                                                make_account):
    pending, admin = make_coop(provision=False)
    other, _ = make_coop(coop_type="community", la="W06000015")
    with app.app_context():
        draft, token = service.start_draft(locale="en")
        draft.coop_id, draft.submitted_at = pending.id, db.func.now()
        db.session.commit()
        draft_id = draft.id
    opened = client.get(service.resume_path(token))
    assert opened.headers["Location"] == f"/start/{draft_id}/progress"
    page = client.get(f"/start/{draft_id}/progress").get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert '<progress id="progress-bar" class="coopfed-progress" max="100" value="20"' in page
    assert "20% done" in page
    # Someone else: 404, signed in or not.
    stranger = app.test_client()
    assert stranger.get(f"/start/{draft_id}/progress").status_code == 404
    sign_in(stranger, make_account().email, PASSWORD)
    assert stranger.get(f"/start/{draft_id}/status").status_code == 404
    assert stranger.post(f"/start/{draft_id}/retry").status_code in (400, 404)
    # The co-op's first admin may follow it from anywhere.
    admin_client = app.test_client()
    sign_in(admin_client, admin.email, PASSWORD)
    assert admin_client.get(f"/start/{draft_id}/status").get_json()["state"] == "pending"
    assert other.slug not in page


def test_a_lost_apply_job_is_found_again_and_reapplying_duplicates_nothing(
        app, client, two_coops, run_jobs, coop_session, monkeypatch):
    good = answers()
    draft_id = _submit_losing_the_apply_job(app, client, good, run_jobs, monkeypatch)
    status = client.get(f"/start/{draft_id}/status").get_json()
    assert status["state"] == "active" and not status["ready"] and status["percent"] == 80
    # Once the co-op has been active a while, looking at the progress queues it again.
    monkeypatch.setattr(service, "APPLY_GRACE", service.APPLY_GRACE * 0)
    client.get(f"/start/{draft_id}/progress")
    run_jobs()
    assert client.get(f"/start/{draft_id}/status").get_json()["ready"]
    with app.app_context():
        coop = db.session.scalar(select(Coop).where(Coop.slug == good["group"]["slug"]))
        db.session.expunge(coop)
        # A crash after the co-op's store committed but before the draft was marked.
        draft = db.session.get(Draft, draft_id)
        draft.applied_at = None
        db.session.commit()
    from services.jobs.runner import run_job

    with app.app_context():
        assert run_job(service.APPLY_JOB, coop.id, draft_id) == "applied"
    run_jobs()
    with coop_session(coop) as session:
        assert session.scalar(select(func.count(Member.id))) == 2
        assert session.scalar(select(func.count(Invitation.id))) == 2
        assert session.scalar(select(func.count(MemberClass.id))) == 2
        assert session.scalar(select(func.count(CoopSetting.key)).where(
            CoopSetting.key.in_(("services", "welsh_offer", "local_authorities")))) == 3


def test_changing_the_type_after_governance_applies_the_new_types_classes(
        app, client, two_coops, run_jobs, coop_session):
    sign_in(client, create_account(app).email, PASSWORD)
    wizard = Wizard(client)
    wizard.start()
    good = answers()
    wizard.fill(good)
    changed = wizard.post("group", {**good["group"], "coop_type": "community"},
                          query="?change=1")
    assert changed.headers["Location"] == "/start/review"
    refused = wizard.submit()  # the founders' classes no longer exist
    assert refused.status_code == 422
    assert "/start/people?change=1" in refused.get_data(as_text=True)
    people = {**good["people"], "people-0-member_class": "community",
              "people-1-member_class": "supporter"}
    assert wizard.post("people", people, query="?change=1").status_code == 302
    assert wizard.submit().status_code == 302
    run_jobs()
    with app.app_context():
        coop = db.session.scalar(select(Coop).where(Coop.slug == good["group"]["slug"]))
        db.session.expunge(coop)
    with coop_session(coop) as session:
        codes = set(session.scalars(select(MemberClass.code)))
        assert codes == {"community", "investor", "supporter"}


def test_the_sweep_requeues_lost_applies_and_deletes_abandoned_drafts(
        app, client, two_coops, run_jobs, monkeypatch):
    from sqlalchemy import update

    from core.timeutil import utcnow
    from federation.onboarding import tasks
    from services.jobs.runner import run_job

    draft_id = _submit_losing_the_apply_job(app, client, answers(), run_jobs, monkeypatch)
    with app.app_context():
        abandoned, _token = service.start_draft(locale="cy")
        recent, _token = service.start_draft(locale="cy")
        db.session.flush()
        db.session.execute(update(Draft).where(Draft.id == abandoned.id).values(
            updated_at=utcnow() - tasks.DRAFT_KEEP * 2))
        abandoned_id, recent_id = abandoned.id, recent.id
        db.session.commit()
    monkeypatch.setattr(service, "APPLY_GRACE", service.APPLY_GRACE * 0)
    with app.app_context():
        swept = run_job("federation.onboarding.tasks:sweep")
    assert swept["applies"] >= 1 and swept["expired"] >= 1
    run_jobs()
    with app.app_context():
        assert db.session.get(Draft, draft_id).applied_at is not None
        assert db.session.get(Draft, abandoned_id) is None
        assert db.session.get(Draft, recent_id) is not None
        assert db.session.scalar(select(AuditEvent.id).where(
            AuditEvent.action == "onboarding.draft_expired")) is not None

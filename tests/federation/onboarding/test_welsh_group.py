"""A Welsh group in the wizard: a Welsh name alone is enough, and it names the co-op, its web
address and its emails; the main local authority is chosen, never assumed."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.db import db
from federation.onboarding import service
from federation.onboarding.models import Draft
from tenants.registry.models import Coop
from tests.federation.onboarding.helpers import (
    Wizard,
    answers,
    capture_mail,
    field_error,
    mails,
)
from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD, create_account, unique


def _draft(client) -> Draft:
    with client.session_transaction() as session:
        token = session["onboarding_token"]
    with client.application.app_context():
        draft = service.draft_for_token(token)
        db.session.expunge(draft)
        return draft


def _welsh_wizard(client) -> Wizard:
    client.get("/language/cy?next=/")
    wizard = Wizard(client)
    wizard.start()
    return wizard


def test_a_welsh_name_alone_names_the_coop_its_address_and_its_emails(
        app, client, two_coops, run_jobs, caplog):
    capture_mail(caplog)
    (other, _), (third, _) = two_coops
    submitter = create_account(app, locale="cy")
    assert sign_in(client, submitter.email, PASSWORD).status_code == 302
    wizard = _welsh_wizard(client)
    page = client.get("/start/group").get_data(as_text=True)
    # In a Welsh wizard the Welsh name comes first, and neither name is marked optional.
    assert page.index('id="name_cy"') < page.index('id="name"') and "(optional)" not in page
    welsh_name = f"Gofal Cymunedol Môn {unique('x')}"
    good = answers()
    good["group"] = {"name": "", "name_cy": welsh_name, "coop_type": "worker", "slug": ""}
    wizard.fill(good)
    draft = _draft(client)
    assert draft.answers("group")["slug"].startswith("gofal-cymunedol-mon-x-")
    assert draft.group_name == welsh_name
    review = client.get("/start/review").get_data(as_text=True)
    assert welsh_name in review
    assert wizard.submit().status_code == 302
    run_jobs()
    run_jobs()
    with app.app_context():
        coop = db.session.get(Coop, _draft(client).coop_id)
        assert (coop.name, coop.name_cy, coop.default_locale) == (welsh_name, welsh_name, "cy")
        assert coop.slug == draft.answers("group")["slug"]
        assert coop.display_name("en") == coop.display_name("cy") == welsh_name
        # The other co-ops keep their own names and addresses.
        assert {c.slug for c in db.session.scalars(select(Coop).where(
            Coop.id.in_((other.id, third.id))))} == {other.slug, third.slug}
    invitations = [m for m in mails(caplog) if "/invitations/" in m]
    assert invitations and all(welsh_name in m for m in invitations)
    # The link's last day is written out in each language, not as an ISO date.
    assert all(re.search(r"\b\d{4}-\d{2}-\d{2}\b", m) is None for m in invitations)
    assert all(re.search(r"\d{1,2} (Ionawr|Chwefror|Mawrth|Ebrill|Mai|Mehefin|Gorffennaf|Awst|"
                         r"Medi|Hydref|Tachwedd|Rhagfyr) \d{4}", m) for m in invitations)


def test_a_welsh_group_with_both_names_takes_its_address_from_the_welsh_one(client):
    wizard = _welsh_wizard(client)
    tag = unique("t")
    response = wizard.post("group", {"name": f"Anglesey Care {tag}",
                                     "name_cy": f"Gofal Ynys Môn {tag}",
                                     "coop_type": "worker", "slug": ""})
    assert response.status_code == 302
    draft = _draft(client)
    assert draft.answers("group")["slug"].startswith("gofal-ynys-mon-t-")
    assert draft.group_name == f"Gofal Ynys Môn {tag}"


def test_an_english_group_takes_its_address_from_the_english_name(client):
    wizard = Wizard(client)
    wizard.start()
    tag = unique("t")
    assert wizard.post("group", {"name": f"Anglesey Care {tag}", "name_cy": f"Gofal Môn {tag}",
                                 "coop_type": "worker", "slug": ""}).status_code == 302
    draft = _draft(client)
    assert draft.answers("group")["slug"].startswith("anglesey-care-t-")
    assert draft.group_name == f"Anglesey Care {tag}"
    # An English name alone is enough too.
    assert wizard.post("group", {"name": f"Anglesey Care {tag}", "name_cy": "",
                                 "coop_type": "worker", "slug": ""}).status_code == 302


def test_a_group_needs_at_least_one_name(client):
    wizard = _welsh_wizard(client)
    response = wizard.post("group", {"name": "", "name_cy": "", "coop_type": "worker",
                                     "slug": "dim-enw"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "name") == "Rhowch enw'r grŵp yn Gymraeg, yn Saesneg, neu'r ddau."
    assert _draft(client).answers("group") == {}


def test_the_main_local_authority_is_chosen_when_several_are_ticked(client):
    wizard = Wizard(client)
    wizard.start()
    wizard.fill(answers(), upto="group")
    page = client.get("/start/where").get_data(as_text=True)
    assert "The first one you ticked" not in page and "Choose the main one" in page
    refused = wizard.post("where", {"las": ["W06000001", "W06000002"], "home_la": ""})
    assert refused.status_code == 422
    assert field_error(refused.get_data(as_text=True), "home_la") == (
        "Choose the main local authority: the one where the co-op is based.")
    assert _draft(client).answers("where") == {}
    # With one ticked, that one is the main one.
    assert wizard.post("where", {"las": ["W06000003"], "home_la": ""}).status_code == 302
    chosen = wizard.post("where", {"las": ["W06000001", "W06000002"],
                                   "home_la": "W06000002"})
    assert chosen.status_code == 302
    assert _draft(client).answers("where")["home_la"] == "W06000002"

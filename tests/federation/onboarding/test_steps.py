"""Each wizard step: saved on the server, validated with the message beside the field."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from core.db import db
from core.errors import ValidationError
from federation.onboarding import service
from federation.onboarding.models import Draft
from tenants import provisioning
from tests.federation.onboarding.helpers import Wizard, answers, field_error
from tests.fixtures.factories import unique


@pytest.fixture
def wizard(client):
    w = Wizard(client)
    assert w.start().headers["Location"] == "/start/group"
    return w


def _draft(app, client) -> Draft:
    with client.session_transaction() as session:
        token = session["onboarding_token"]
    with app.app_context():
        draft = service.draft_for_token(token)
        db.session.expunge(draft)
        return draft


# (step, field, bad value, expected message) — empty, oversized and invalid per step.
BAD = [
    ("group", "name", "x", "The name must be at least 2 characters long."),
    ("group", "name_cy", "y", "The Welsh name must be at least 2 characters long."),
    ("group", "name", "x" * 201, "The name must be 200 characters or fewer."),
    ("group", "name_cy", "y" * 201, "The Welsh name must be 200 characters or fewer."),
    ("group", "coop_type", "pirate", "Choose the type of co-op."),
    ("group", "slug", "Not A Slug!", "Use only lower-case letters a to z, digits and single "
     "hyphens, starting with a letter."),
    ("group", "slug", "a" * 41, "The short name must be 40 characters or fewer."),
    ("group", "slug", "admin", "'admin' is reserved. Choose another short name."),
    ("group", "name", "Gofal\x00Môn", "Remove the NUL characters from this field."),
    ("where", "las", [], "Choose at least one local authority."),
    ("where", "las", ["E09000001"], "Choose local authorities from the list."),
    ("where", "home_la", "W06000003", "The main local authority must be one of those you "
     "ticked."),
    ("where", "home_la", "", "Choose the main local authority: the one where the co-op is "
     "based."),
    ("governance", "classes-0-name_en", "", "Enter the class's name in English."),
    ("governance", "classes-0-name_cy", "c" * 121, "The name must be 120 characters or fewer."),
    ("governance", "classes-0-min_shares", "-1", "Enter the minimum shares as a whole number, "
     "like 1."),
    ("governance", "classes-0-min_shares", "9" * 9, "Enter a minimum of at most 1,000,000 "
     "shares."),
    ("governance", "classes-0-cap", "150", "Enter a cap above 0 and at most 100."),
    ("governance", "classes-1-cap", "10", "A class without a vote cannot have a vote cap. "
     "Remove the cap or give the class a vote."),
    ("people", "people-0-email", "not-an-email", "Enter an email address in the right form, "
     "like name@example.org."),
    ("people", "people-0-email", "a" * 250 + "@example.org", "The email address must be 254 "
     "characters or fewer."),
    ("people", "people-0-name", "", "Enter the founding member's name."),
    ("people", "people-1-member_class", "no_such_class", "Choose the member class they join."),
    ("people", "admin", "", "Choose who will look after the co-op's workspace."),
    ("services", "services", [], "Choose at least one service."),
    ("services", "services", ["smuggling"], "Choose services from the list."),
    ("services", "welsh_offer", "", "Choose your Welsh-language offer."),
    ("sharing", "statistics", "", "Choose yes or no for pooled statistics."),
    ("sharing", "worker_pool", "maybe", "Choose yes or no for the worker pool."),
    ("sharing", "agency", "999999", "Choose an agency, or no agency."),
]


CHOICES = {"coop_type", "las", "home_la", "people-1-member_class", "admin", "services",
           "welsh_offer", "statistics", "worker_pool", "agency"}


def _welsh(app, message: str) -> str:
    """The Welsh the page must show for ``message``; it must really be Welsh."""
    with app.test_request_context(), force_locale("cy"):
        if message.startswith("'admin' is reserved"):
            welsh = gettext("'%(slug)s' is reserved. Choose another short name.",
                            slug="admin")
        else:
            welsh = gettext(message)
    assert welsh != message, f"no Welsh for {message!r}"
    return welsh


@pytest.mark.parametrize("locale", ["en", "cy"])
@pytest.mark.parametrize(("step", "field", "value", "message"), BAD,
                         ids=[f"{s}-{f}-{i}" for i, (s, f, _v, _m) in enumerate(BAD)])
def test_bad_input_is_refused_beside_the_field_and_not_saved(app, client, wizard, step, field,
                                                             value, message, locale):
    good = answers()
    if _before(step):
        wizard.fill(good, upto=_before(step))
    client.get(f"/language/{locale}?next=/")
    response = wizard.post(step, {**good[step], field: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and f'<html lang="{locale}"' in page
    assert field_error(page, field) == (message if locale == "en" else _welsh(app, message))
    assert f'href="#{field}"' in page  # the error summary links to the field
    assert _draft(app, client).answers(step) == {}  # nothing saved
    if field not in CHOICES and value and "\x00" not in value:
        assert value.replace("'", "&#39;")[:60] in page  # what was typed is shown again


def _before(step: str):
    from federation.onboarding.models import STEPS

    index = STEPS.index(step)
    return STEPS[index - 1] if index else None


def test_errors_are_in_welsh_when_the_person_chose_welsh(client, wizard):
    client.get("/language/cy?next=/")
    response = wizard.post("group", {"name": "", "coop_type": "", "slug": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and '<html lang="cy"' in page
    assert field_error(page, "name") == "Rhowch enw'r grŵp yn Gymraeg, yn Saesneg, neu'r ddau."
    assert field_error(page, "coop_type") == "Dewiswch y math o gydweithfa."
    assert "Mae problem" in page


def test_a_slug_taken_by_a_coop_or_a_live_draft_is_refused_with_free_alternatives(
        app, client, wizard, make_coop):
    coop, _admin = make_coop(slug=unique("taken"))
    other, _ = make_coop(coop_type="dp_pool", la="W06000015")
    response = wizard.post("group", {**answers()["group"], "slug": coop.slug})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "slug").startswith(f"'{coop.slug}' is already taken.")
    suggestions = re.findall(r"<code>([a-z0-9-]+)</code>", page.split(
        'id="slug-suggestions"', 1)[1])
    assert len(suggestions) == 3 and coop.slug not in suggestions
    with app.app_context():
        assert not any(provisioning.slug_taken(db.session, s) for s in suggestions)
    # Each is offered in the message beside the field as well.
    assert all(s in field_error(page, "slug") for s in suggestions)
    # A suggestion is accepted.
    assert wizard.post("group", {**answers()["group"], "slug": suggestions[0]}).headers[
        "Location"] == "/start/where"
    assert other.slug not in page
    # A slug held by someone else's unfinished draft clashes too.
    held = unique("held")
    with app.app_context():
        draft, _token = service.start_draft(locale="en")
        service.save_step(draft.id, "group", {**answers()["group"], "slug": held})
        db.session.commit()
    response = wizard.post("group", {**answers()["group"], "slug": held})
    assert field_error(response.get_data(as_text=True), "slug").startswith(
        f"'{held}' is already taken.")


def test_a_blank_slug_is_suggested_from_the_name(app, client, wizard):
    name = "Gofal Môn " + unique("x")
    assert wizard.post("group", {"name": name, "coop_type": "community"}).status_code == 302
    assert _draft(app, client).answers("group")["slug"].startswith("gofal-mon-x-")


def test_back_and_next_keep_what_was_typed_even_when_invalid(app, client, wizard):
    good = answers()
    wizard.fill(good, upto="where")
    # Half-typed and invalid: Back keeps it, without complaining.
    typed = {**good["governance"], "classes-0-min_shares": "lots"}
    response = wizard.post("governance", typed, action="back")
    assert response.headers["Location"] == "/start/where"
    page = client.get("/start/governance").get_data(as_text=True)
    assert 'value="lots"' in page and 'value="Friend of the co-op"' in page
    draft = _draft(app, client)
    assert not draft.is_done("governance") and draft.is_done("where")
    # Next from where shows the same typed rows again; Next on governance insists.
    assert wizard.post("where", good["where"]).headers["Location"] == "/start/governance"
    response = wizard.post("governance", typed)
    assert response.status_code == 422 and 'value="lots"' in response.get_data(as_text=True)
    # Coming back to step 1, everything typed there is still there.
    page = client.get("/start/group").get_data(as_text=True)
    assert f'value="{good["group"]["slug"]}"' in page and 'value="Gofal Cymunedol Prawf"' in page


def test_governance_starts_from_the_types_defaults_and_rows_come_and_go_without_js(
        app, client, wizard):
    good = answers()
    wizard.fill({**good, "group": {**good["group"], "coop_type": "foster"}}, upto="where")
    page = client.get("/start/governance").get_data(as_text=True)
    assert 'value="Foster carer (associate)"' in page and 'value="Staff member"' in page
    # Remove the first class and add one in the spare row, then "add another".
    form = {"classes-0-code": "staff", "classes-0-name_en": "Staff member",
            "classes-0-name_cy": "Aelod staff", "classes-0-voting": "yes",
            "classes-0-min_shares": "1", "classes-0-remove": "yes",
            "classes-1-code": "foster_carer", "classes-1-name_en": "Foster carer",
            "classes-1-name_cy": "Gofalwr maeth", "classes-1-voting": "yes",
            "classes-1-min_shares": "1",
            "classes-2-code": "", "classes-2-name_en": "Investor", "classes-2-name_cy":
            "Buddsoddwr", "classes-2-voting": "yes", "classes-2-cap": "10",
            "classes-2-min_shares": "100"}
    response = wizard.post("governance", form, action="add")
    assert response.headers["Location"].startswith("/start/governance")
    rows = _draft(app, client).answers("governance")["classes"]
    assert [r["code"] for r in rows] == ["foster_carer", "investor"]
    page = client.get("/start/governance").get_data(as_text=True)
    assert 'name="classes-2-name_en"' in page  # a fresh empty row after the two
    # A type change starts governance again from the new type's defaults.
    assert wizard.post("group", {**good["group"], "coop_type": "dp_pool"}).status_code == 302
    page = client.get("/start/governance").get_data(as_text=True)
    assert 'value="Direct Payment member"' in page and 'value="Investor"' not in page


def test_a_step_not_yet_reached_sends_you_back_to_where_you_are(client, wizard):
    assert client.get("/start/people").headers["Location"] == "/start/group"
    assert client.get("/start/review").headers["Location"] == "/start/group"
    assert client.get("/start/nonsense").status_code == 404


def test_without_a_draft_the_steps_send_you_to_the_start(client):
    assert client.get("/start/group").headers["Location"] == "/start"
    page = client.get("/start").get_data(as_text=True)
    assert "Start now" in page


def test_service_interface_for_advisors(app, make_account):
    advisor = make_account()
    with app.app_context():
        draft, token = service.start_draft(locale="cy", advisor_account_id=advisor.id)
        assert len(token) >= 40 and token not in (draft.token_hash or "")
        assert service.resume_path(token) == f"/start/resume/{token}"
        with pytest.raises(ValidationError) as refused:
            service.save_step(draft.id, "group", {"name": "", "coop_type": "worker",
                                                  "slug": "ok-slug"})
        assert set(refused.value.errors) == {"name"}
        saved = service.save_step(draft.id, "group", {
            "name": "", "name_cy": "Gofal Gwynedd", "coop_type": "worker",
            "slug": unique("gwynedd")} | {"name": "Gwynedd Care"})
        # A group that started in Welsh goes by its Welsh name.
        assert saved.step_reached == "where" and saved.group_name == "Gofal Gwynedd"
        db.session.commit()
        stored = db.session.scalar(select(Draft).where(Draft.id == draft.id))
        assert stored.advisor_account_id == advisor.id and stored.locale == "cy"
        assert service.draft_for_token(token).id == draft.id

"""The "legal form and registration" step: what it refuses (naming the field, in Welsh or
English, nothing saved), and what applying the draft writes into the new co-op."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from core.db import db
from federation.agencies.models import AgencyAdvisor
from federation.onboarding import service
from tenants.members.models import Invitation, Member
from tenants.officers.models import CoopTask
from tenants.position.models import LegalPosition, RegisteredService
from tenants.registry.models import Coop
from tests.federation.onboarding.helpers import Wizard, answers, field_error, make_agency
from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD, create_account, unique

SOCIETY = {"legal_form": "co_operative_society", "fca_society_number": "",
           "registered_on": ""}
THREE = {"people-2-name": "Carys Hughes", "people-2-postal_address": "3 Stryd Fawr, Bangor",
         "people-2-member_class": "worker"}


@pytest.fixture
def wizard(client):
    w = Wizard(client)
    w.start()
    return w


def _draft(app, client):
    with client.session_transaction() as session:
        token = session["onboarding_token"]
    with app.app_context():
        draft = service.draft_for_token(token)
        db.session.expunge(draft)
        return draft


def _welsh(app, text: str, **values) -> str:
    with app.test_request_context(), force_locale("cy"):
        welsh = gettext(text, **values)
    assert welsh != (text % values if values else text), f"no Welsh for {text!r}"
    return welsh


FOSTER = ("A foster care co-op cannot be a %(form)s: since %(date)s a new fostering provider "
          "in Wales must be not-for-profit. Choose a charitable community benefit society, a "
          "company limited by guarantee or a CIC without share capital, or “not decided” to "
          "talk to an adviser.")
FEW = ("A registered society needs at least %(min)s founding members, and step 4 lists "
       "%(count)s. Add founding members, or choose another legal form.")


@pytest.mark.parametrize("locale", ["en", "cy"])
def test_the_foster_type_cannot_go_on_as_a_share_capital_cooperative_society(
        app, client, wizard, locale):
    good = answers()
    good["group"]["coop_type"] = "foster"
    good["governance"] = {"classes-0-code": "", "classes-0-name_en": "Staff member",
                          "classes-0-name_cy": "Aelod staff", "classes-0-voting": "yes",
                          "classes-0-cap": "", "classes-0-min_shares": "1"}
    good["people"] = {**good["people"], "people-0-member_class": "staff_member",
                      "people-1-member_class": "staff_member",
                      "people-2-name": "Carys Hughes", "people-2-postal_address": "Bangor",
                      "people-2-member_class": "staff_member"}
    wizard.fill(good, upto="services")
    client.get(f"/language/{locale}?next=/")
    shown = client.get("/start/legal").get_data(as_text=True)
    assert 'id="fostering-rule"' in shown  # the rule is explained before choosing
    refused = wizard.post("legal", SOCIETY)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and f'<html lang="{locale}"' in page
    values = {"form": "co-operative society", "date": "2026-04-01"}
    if locale == "cy":
        with app.test_request_context(), force_locale("cy"):
            from federation.onboarding.legal import LEGAL_FORMS

            values["form"] = str(LEGAL_FORMS["co_operative_society"][0]).lower()
        expected = _welsh(app, FOSTER, **values)
    else:
        expected = FOSTER % values
    assert field_error(page, "legal_form").replace("&#34;", "“") == expected.replace(
        "&#34;", "“") or field_error(page, "legal_form") == expected
    assert 'href="#legal_form"' in page
    assert _draft(app, client).answers("legal") == {}
    assert _draft(app, client).step_reached == "legal"
    # A community benefit society without charitable status is not allowed either...
    assert wizard.post("legal", {**SOCIETY, "legal_form": "community_benefit_society"}
                       ).status_code == 422
    # ...a charitable one is, and the group goes on.
    allowed = wizard.post("legal", {**SOCIETY, "legal_form": "charitable_cbs"})
    assert allowed.status_code == 302 and allowed.headers["Location"] == "/start/sharing"


@pytest.mark.parametrize("locale", ["en", "cy"])
def test_a_cooperative_society_with_two_founders_is_refused_naming_the_field(
        app, client, wizard, locale):
    good = answers()
    wizard.fill(good, upto="services")
    client.get(f"/language/{locale}?next=/")
    refused = wizard.post("legal", SOCIETY)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    values = {"min": 3, "count": 2}
    expected = FEW % values if locale == "en" else _welsh(app, FEW, **values)
    assert field_error(page, "legal_form") == expected
    assert _draft(app, client).answers("legal") == {}
    # A third founder, who has only a postal address, makes it a society.
    assert wizard.post("people", {**good["people"], **THREE}).status_code == 302
    assert wizard.post("legal", SOCIETY).status_code == 302
    # Taking a founder away again sends the group back to the legal step at the review.
    assert wizard.post("people", good["people"]).status_code == 302
    wizard.post("sharing", good["sharing"])
    with app.app_context():
        assert "legal" in service.incomplete_steps(service.get_draft(_draft(app, client).id))


BAD = [
    ({"legal_form": ""}, "legal_form", "Choose a legal form, or 'not decided'."),
    ({"legal_form": "plc"}, "legal_form", "Choose a legal form, or 'not decided'."),
    ({"fca_society_number": "12-34"}, "fca_society_number",
     "Enter the society number as the FCA shows it, like 31234R or RS007123."),
    ({"legal_form": "cic", "fca_society_number": "31234R"}, "fca_society_number",
     "Only a co-operative or community benefit society has an FCA society number. Remove "
     "it, or choose the society's form."),
    ({"registered_on": "31/03/2024"}, "registered_on",
     "Enter the registration date as year-month-day, like 2024-03-31."),
    ({"registered_on": (date.today() + timedelta(days=3)).isoformat()}, "registered_on",
     "The registration date must be today or earlier."),
    ({"legal_form": "not_incorporated", "registered_on": "2024-03-31"}, "registered_on",
     "A group that is not incorporated has no registration date. Remove it, or choose the "
     "form you registered."),
    ({"ciw-0-service_type": "domiciliary_support", "ciw-0-responsible_individual": "Dewi"},
     "ciw-0-ciw_service_id", "Enter the CIW service ID."),
    ({"ciw-0-service_type": "spa", "ciw-0-ciw_service_id": "SIN-1",
      "ciw-0-responsible_individual": "Dewi"}, "ciw-0-service_type",
     "Choose the type of registered service."),
    ({"ciw-0-service_type": "care_home", "ciw-0-ciw_service_id": "SIN 1!",
      "ciw-0-responsible_individual": "Dewi"}, "ciw-0-ciw_service_id",
     "Enter the service ID as CIW wrote it, using letters, digits and hyphens."),
    ({"ciw-0-service_type": "care_home", "ciw-0-ciw_service_id": "SIN-1"},
     "ciw-0-responsible_individual", "Enter the name of the Responsible Individual."),
    ({"ciw-0-service_type": "care_home", "ciw-0-ciw_service_id": "SIN-1",
      "ciw-0-responsible_individual": "Dewi", "ciw-0-rating_url": "http://x.example"},
     "ciw-0-rating_url", "Enter the rating link as a web address starting https://."),
]


@pytest.mark.parametrize("locale", ["en", "cy"])
@pytest.mark.parametrize(("change", "field", "message"), BAD,
                         ids=[f"{f}-{i}" for i, (_c, f, _m) in enumerate(BAD)])
def test_bad_legal_answers_are_refused_beside_the_field(app, client, wizard, change, field,
                                                        message, locale):
    wizard.fill(answers(), upto="services")
    client.get(f"/language/{locale}?next=/")
    response = wizard.post("legal", {**answers()["legal"], **change})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    expected = message if locale == "en" else _welsh(app, message)
    assert field_error(page, field).replace("&#34;", '"') == expected.replace("&#34;", '"')
    assert f'href="#{field}"' in page
    assert _draft(app, client).answers("legal") == {}


def test_ticking_personal_care_explains_ciw_and_puts_it_on_the_coops_checklist(
        app, client, two_coops, run_jobs, coop_session, api_client):
    """Applying writes the position, the registered service and the start-up task into
    the new co-op, founders without email join the register uninvited, and an advisor of
    the agency the group let in sees the checklist item."""
    agency_id = make_agency(app)
    submitter = create_account(app)
    assert sign_in(client, submitter.email, PASSWORD).status_code == 302
    wizard = Wizard(client)
    wizard.start()
    good = answers(agency=str(agency_id))
    good["people"] = {**good["people"], **THREE}
    wizard.fill(good, upto="services")
    page = client.get("/start/legal").get_data(as_text=True)
    assert 'id="ciw-registration"' in page and "does not register your co-op" in page
    legal = {**SOCIETY, "fca_society_number": "31234r", "registered_on": "2025-06-02",
             "ciw-0-service_type": "care_home", "ciw-0-ciw_service_id": "SIN-00099999",
             "ciw-0-responsible_individual": "Dewi Lloyd",
             "ciw-0-rating_url": "https://www.careinspectorate.wales/service/SIN-00099999"}
    assert wizard.post("legal", legal).status_code == 302
    assert wizard.post("sharing", good["sharing"]).status_code == 302
    review = client.get("/start/review").get_data(as_text=True)
    assert "Register with CIW" in review and "SIN-00099999" in review
    assert wizard.submit().status_code == 302
    run_jobs()
    run_jobs()
    with app.app_context():
        coop = db.session.scalar(select(Coop).where(Coop.slug == good["group"]["slug"]))
        db.session.expunge(coop)
    with coop_session(coop) as session:
        position = session.get(LegalPosition, 1)
        assert (position.legal_form, position.fca_society_number, position.registered_on) == (
            "co_operative_society", "31234R", date(2025, 6, 2))
        (registered,) = session.scalars(select(RegisteredService))
        assert (registered.service_type, registered.responsible_individual) == (
            "care_home", "Dewi Lloyd")
        (task,) = session.scalars(select(CoopTask))
        assert (task.kind, task.code, task.done_on) == ("startup", "register_with_ciw", None)
        carys = session.scalar(select(Member).where(Member.display_name == "Carys Hughes"))
        assert (carys.email, carys.postal_address) == (None, "3 Stryd Fawr, Bangor")
        assert session.scalar(select(Invitation.id).where(
            Invitation.member_id == carys.id)) is None
        assert session.scalar(select(Invitation.id).where(
            Invitation.member_id != carys.id)) is not None
    # The federation forgets the people named in the legal step once applied.
    with app.app_context():
        draft = service.get_draft(_draft(app, client).id)
        assert draft.data["legal"] == {"legal_form": "co_operative_society", "ciw_services": 1}
    # An advisor of the agency the co-op let in sees the checklist on its page.
    advisor = create_account(app)
    with app.app_context():
        db.session.add(AgencyAdvisor(agency_id=agency_id, account_id=advisor.id))
        db.session.commit()
    seen = api_client(advisor).client.get(f"/agency/coops/{coop.slug}").get_data(as_text=True)
    assert "Register with CIW" in seen
    # The other co-ops have no such task.
    (other, _admin), (third, _admin2) = two_coops
    for c in (other, third):
        with coop_session(c) as session:
            assert session.scalar(select(CoopTask.id)) is None
    assert unique  # factories in use


PEOPLE_BAD = [
    ({"people-1-email": "", "people-1-postal_address": ""}, "people-1-email",
     "Enter an email address or a postal address, so the co-op can reach them."),
    ({"people-0-email": "", "people-0-postal_address": "1 Heol y Bryn, Aberystwyth"}, "admin",
     "The person who will look after the workspace needs an email address, to sign in."),
    ({"people-1-email": "", "people-1-postal_address": "x" * 501}, "people-1-postal_address",
     "The address must be 500 characters or fewer."),
]


@pytest.mark.parametrize("locale", ["en", "cy"])
@pytest.mark.parametrize(("change", "field", "message"), PEOPLE_BAD,
                         ids=[f for _c, f, _m in PEOPLE_BAD])
def test_a_founder_needs_an_email_or_a_postal_address(app, client, wizard, change, field,
                                                     message, locale):
    wizard.fill(answers(), upto="governance")
    client.get(f"/language/{locale}?next=/")
    response = wizard.post("people", {**answers()["people"], **change})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, field) == (message if locale == "en" else _welsh(app, message))
    assert _draft(app, client).answers("people") == {}
    # With only a postal address, a founder who does not run the workspace is accepted.
    fine = {**answers()["people"], "people-1-email": "",
            "people-1-postal_address": "2 Stryd y Castell, Caernarfon"}
    assert wizard.post("people", fine).status_code == 302
    assert _draft(app, client).answers("people")["people"][1]["postal_address"] == (
        "2 Stryd y Castell, Caernarfon")


@pytest.mark.parametrize(("services", "ciw", "task"), [
    (["companionship", "household"], [], False),
    (["personal_care"], [{"service_type": "domiciliary_support",
                          "ciw_service_id": "SIN-00011111",
                          "responsible_individual": "Dewi Lloyd"}], False),
    (["domiciliary_support"], [{"service_type": "care_home", "ciw_service_id": "SIN-00022222",
                                "responsible_individual": "Dewi Lloyd"}], True),
], ids=["no-regulated-service", "already-registered", "registered-for-something-else"])
def test_register_with_ciw_is_on_the_checklist_only_when_needed(app, make_coop, coop_session,
                                                                 services, ciw, task):
    from federation.onboarding.apply import apply_position
    from federation.onboarding.models import Draft

    coop, _admin = make_coop()
    other, _admin2 = make_coop()
    draft = Draft(data={"services": {"services": services},
                        "legal": {"legal_form": "not_decided", "ciw": ciw}})
    for _twice in range(2):  # applying again changes nothing
        with coop_session(coop) as session:
            apply_position(session, draft, admin_account_id=None)
    with coop_session(coop) as session:
        codes = list(session.scalars(select(CoopTask.code)))
        assert codes == (["register_with_ciw"] if task else [])
        assert len(list(session.scalars(select(RegisteredService)))) == len(ciw)
    with coop_session(other) as session:
        assert session.scalar(select(CoopTask.id)) is None


def test_changing_the_type_to_foster_after_choosing_a_society_stops_the_submit(
        app, client, two_coops):
    """The rule holds at sending too: a draft that became foster care with a share-capital
    co-operative society is sent back to the legal step, and no co-op is made."""
    submitter = create_account(app)
    assert sign_in(client, submitter.email, PASSWORD).status_code == 302
    wizard = Wizard(client)
    wizard.start()
    good = answers()
    good["people"] = {**good["people"], **THREE}
    good["legal"] = SOCIETY
    wizard.fill(good)
    assert wizard.post("group", {**good["group"], "coop_type": "foster"},
                       query="?change=1").status_code == 302
    refused = wizard.submit()
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'href="/start/legal?change=1"' in page
    with app.app_context():
        assert db.session.scalar(select(Coop.id).where(
            Coop.slug == good["group"]["slug"])) is None

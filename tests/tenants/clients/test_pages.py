"""Client pages: add and change through the forms, errors beside fields, Welsh names."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from tenants.clients.models import Client
from tests.fixtures.app import csrf_token
from tests.tenants.workforce.helpers import audit_rows, browser, count, worker_payload

FORM = {"display_name": "Mr Idris Parry", "preferred_language": "cy",
        "funding_source": "la_commissioned", "age_band": "75-84", "la_code": "W06000002",
        "postcode_district": "ll54", "active": "yes"}


def _post(web, path, data, needs=("physical_disability",), carers=()):
    items = [*data.items(), ("csrf_token", csrf_token(web, path))]
    items += [("need_types", n) for n in needs] + [("regular_carers", str(c)) for c in carers]
    return web.post(path, data=MultiDict(items))


def test_add_and_change_a_client_through_the_forms(app, two_coops, api_client, coop_session):
    (a, admin_a), (b, _) = two_coops
    worker_id = api_client(admin_a).post(f"/api/v1/c/{a.slug}/workers", json=worker_payload(
        display_name="Gareth Morgan")).get_json()["id"]
    web = browser(app, admin_a)
    form = web.get(f"/c/{a.slug}/clients/new").get_data(as_text=True)
    assert "Gareth Morgan" in form and "<legend" in form
    added = _post(web, f"/c/{a.slug}/clients/new", FORM, carers=(worker_id,))
    assert added.status_code == 302, added.get_data(as_text=True)
    detail = web.get(added.headers["Location"]).get_data(as_text=True)
    assert "Mr Idris Parry" in detail and "Gareth Morgan" in detail
    assert "Offer care in Welsh" in detail and "LL54" in detail
    with coop_session(a) as session:
        client = session.query(Client).one()
        assert [r.worker_id for r in client.regular_carers] == [worker_id]
        client_id = client.id
    assert count(coop_session, b, Client) == 0

    edit_path = f"/c/{a.slug}/clients/{client_id}/edit"
    reads = len(audit_rows(coop_session, a, "client.read"))
    assert 'value="Mr Idris Parry"' in web.get(edit_path).get_data(as_text=True)
    assert len(audit_rows(coop_session, a, "client.read")) == reads + 1
    changed = _post(web, edit_path, {**FORM, "age_band": "85+"}, needs=("dementia",))
    assert changed.status_code == 302
    with coop_session(a) as session:
        client = session.get(Client, client_id)
        assert client.age_band == "85+"
        assert [n.need_type for n in client.needs] == ["dementia"]
        assert client.regular_carers == []


def test_bad_form_shows_errors_and_writes_nothing(app, two_coops, coop_session):
    (a, admin_a), (b, _) = two_coops
    web = browser(app, admin_a)
    response = _post(web, f"/c/{a.slug}/clients/new",
                     {**FORM, "display_name": "", "la_code": "E09000001"},
                     needs=("astrology",), carers=(777,))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "govuk-error-summary" in page
    for field in ("display_name", "la_code", "need_types"):
        assert f'href="#{field}"' in page and f'id="{field}-error"' in page, field
    response = _post(web, f"/c/{a.slug}/clients/new", FORM, carers=(777,))
    assert response.status_code == 422
    assert 'id="regular_carers-error"' in response.get_data(as_text=True)
    assert count(coop_session, a, Client) == 0 and count(coop_session, b, Client) == 0


def test_client_pages_speak_welsh(app, two_coops, api_client):
    (a, admin_a), _ = two_coops
    api_client(admin_a).post(f"/api/v1/c/{a.slug}/clients", json={
        "display_name": "Mrs Gwen Jones", "funding_source": "direct_payment",
        "age_band": "85+", "la_code": "W06000002", "preferred_language": "cy"})
    web = browser(app, admin_a)
    web.get("/language/cy")
    page = web.get(f"/c/{a.slug}/clients/").get_data(as_text=True)
    assert '<html lang="cy"' in page
    assert "Taliad Uniongyrchol" in page and "Cymraeg" in page

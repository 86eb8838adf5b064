"""How every workspace request is refused, across the API (docs/architecture.md, "400 or 422").

- Permission comes first: someone whose role a route does not let in gets 403 whatever
  body they send (broken JSON, the wrong content type, wrong fields), never 400 or 422;
  a person of another co-op gets 404. Every API family is swept, in two co-ops.
- Then the body: 400 when it cannot be read as JSON, 422 (naming the field) when it was
  read but is wrong.
- The OpenAPI document lists those statuses on every workspace operation.
"""

from __future__ import annotations

import logging
import re

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from federation.extensions import limiter
from tenants.registry.models import Role
from tenants.web import declared_roles
from tests.fixtures.app import csrf_token, sign_in
from tests.fixtures.factories import PASSWORD, add_member, create_account, unique
from tests.tenants.care_person.helpers import build_world, linked_person

WORKSPACE_API = "/api/v1/c/<slug>/"
BODY_METHODS = ("POST", "PUT", "PATCH")
WRONG_FIELDS = {"no_such_field": 1}
BROKEN_JSON = "{not json"
INVITATION = re.compile(r"https?://[^/\s]+(/care-invitations/[\w-]+/[\w-]+)")


def _url(rule, slug: str) -> str:
    values = {}
    for name, converter in rule._converters.items():
        if name == "slug":
            values[name] = slug
        elif isinstance(converter, IntegerConverter):
            values[name] = 1
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


def _body_routes(app):
    """(rule, method, roles) for every workspace API route that reads a JSON body."""
    documented = _spec(app)["paths"]
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(WORKSPACE_API) or "/my-care" in rule.rule:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods & set(BODY_METHODS)):
            if "requestBody" in documented.get(path, {}).get(method.lower(), {}):
                found.append((rule, method, declared_roles(
                    app.view_functions[rule.endpoint], method)))
    return found


def _spec(app):
    return app.test_client().get("/api/v1/openapi.json").get_json()


def _sends(client, method, url, headers, **body):
    limiter.reset()
    return client.open(url, method=method, headers=headers, **body)


def _api_session(app, account):
    client = app.test_client()
    assert sign_in(client, account.email, PASSWORD).status_code == 302
    return client, {"X-CSRFToken": client.get("/api/v1/session").get_json()["csrf_token"]}


@pytest.fixture
def people(app, two_coops):
    """Co-op A's admin and member, and co-op B's admin, each signed in."""
    (a, admin_a), (b, admin_b) = two_coops
    member = create_account(app)
    add_member(app, a, member, "member")
    return a, b, {"admin": _api_session(app, admin_a), "member": _api_session(app, member),
                  "other": _api_session(app, admin_b)}


def test_every_api_family_refuses_a_role_before_it_reads_the_body(app, people):
    a, _b, who = people
    routes = [(rule, method, roles) for rule, method, roles in _body_routes(app)
              if Role.MEMBER not in roles]
    families = {rule.endpoint.split(".")[0] for rule, _m, _r in routes}
    # members, governance, workforce, clients, rota, payments, position, officers, the
    # three lending APIs, the worker pool, agencies' access, care links
    assert len(families) >= 12, families
    problems = []
    client, headers = who["member"]
    for rule, method, _roles in routes:
        url = _url(rule, a.slug)
        for body in ({"json": WRONG_FIELDS},
                     {"data": BROKEN_JSON, "content_type": "application/json"},
                     {"data": "a=1", "content_type": "application/x-www-form-urlencoded"}):
            status = _sends(client, method, url, headers, **body).status_code
            if status != 403:
                problems.append(f"member {method} {rule.rule} {body}: {status}")
    assert not problems, "\n".join(problems)


def test_another_coops_admin_gets_404_whatever_the_body(app, people):
    a, _b, who = people
    client, headers = who["other"]
    problems = [f"{method} {rule.rule}: {status}"
                for rule, method, _roles in _body_routes(app)
                if (status := _sends(client, method, _url(rule, a.slug), headers,
                                     data=BROKEN_JSON,
                                     content_type="application/json").status_code) != 404]
    assert not problems, "\n".join(problems)


def test_a_permitted_body_is_400_when_unreadable_and_422_when_wrong(app, people):
    a, b, who = people
    client, headers = who["admin"]
    problems = []
    for rule, method, roles in _body_routes(app):
        if Role.ADMIN not in roles:
            continue
        url = _url(rule, a.slug)
        broken = _sends(client, method, url, headers, data=BROKEN_JSON,
                        content_type="application/json")
        not_json = _sends(client, method, url, headers, data="a=1",
                          content_type="application/x-www-form-urlencoded")
        wrong = _sends(client, method, url, headers, json=WRONG_FIELDS)
        for response, expected in ((broken, 400), (not_json, 400), (wrong, 422)):
            body = response.get_json(silent=True) or {}
            if response.status_code != expected or not body.get("errors") or \
                    response.mimetype != "application/problem+json":
                problems.append(f"{method} {rule.rule}: {response.status_code} "
                                f"(expected {expected}) {body}")
        if wrong.status_code == 422 and "no_such_field" not in wrong.get_json()["errors"]:
            problems.append(f"{method} {rule.rule}: the wrong field is not named")
    assert not problems, "\n".join(problems)
    # The other co-op's admin is let into their own co-op on the same routes.
    client_b, headers_b = who["other"]
    assert _sends(client_b, "POST", f"/api/v1/c/{b.slug}/clients", headers_b,
                  json=WRONG_FIELDS).status_code == 422


def test_a_page_refuses_a_role_before_it_reads_the_form(app, people):
    a, _b, _who = people
    member = create_account(app)
    add_member(app, a, member, "member")
    web = app.test_client()
    assert sign_in(web, member.email, PASSWORD).status_code == 302
    token = csrf_token(web, f"/c/{a.slug}/")
    for path in ("/clients/new", "/workforce/new"):
        refused = web.post(f"/c/{a.slug}{path}", data={"csrf_token": token,
                                                       "display_name": "\x00" * 3})
        assert refused.status_code == 403, path


def test_family_are_refused_before_the_body_and_the_person_gets_422(
        app, two_coops, coop_session, api_client, run_jobs, caplog):
    a_place, _b_place = build_world(two_coops, coop_session)
    a = a_place.coop
    person = linked_person(app, api_client, a_place)
    api = api_client(person)
    caplog.set_level(logging.INFO, logger="coopfed.mail")
    invited = api.post(f"/api/v1/c/{a.slug}/my-care/family",
                       json={"email": f"{unique('fam')}@example.org", "sees_times": True})
    assert invited.status_code == 201, invited.get_json()
    run_jobs()
    mail = [r.getMessage() for r in caplog.records if r.name == "coopfed.mail"][-1]
    email = re.search(r"To: (\S+)", mail).group(1)
    family = create_account(app, email=email)
    web = app.test_client()
    assert sign_in(web, family.email, PASSWORD).status_code == 302
    path = INVITATION.search(mail).group(1)
    assert web.post(path, data={"csrf_token": csrf_token(web, path)}).status_code == 302
    headers = {"X-CSRFToken": web.get("/api/v1/session").get_json()["csrf_token"]}

    for method, route in (("PUT", "/wishes"), ("POST", "/family")):
        url = f"/api/v1/c/{a.slug}/my-care{route}"
        for body in ({"json": WRONG_FIELDS},
                     {"data": BROKEN_JSON, "content_type": "application/json"}):
            assert _sends(web, method, url, headers, **body).status_code == 403, (route, body)
            as_person = _sends(api.client, method, url, api.headers, **body)
            expected = 422 if "json" in body else 400
            assert as_person.status_code == expected, (route, body, as_person.get_json())
    # The family member may still read what was granted.
    assert web.get(f"/api/v1/c/{a.slug}/my-care/week").status_code == 200


def test_every_workspace_declares_its_roles(app):
    undeclared = [f"{rule.rule} {method}" for rule in app.url_map.iter_rules()
                  if rule.rule.startswith(("/c/<slug>", WORKSPACE_API))
                  and "/my-care" not in rule.rule
                  for method in rule.methods - {"HEAD", "OPTIONS"}
                  if declared_roles(app.view_functions[rule.endpoint], method) is None]
    assert not undeclared, undeclared


def test_the_document_lists_each_refusal_a_workspace_operation_can_give(app):
    missing = []
    for path, operations in _spec(app)["paths"].items():
        if not path.startswith("/api/v1/c/{slug}/"):
            continue
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            expected = {"401", "403", "404"}
            if "requestBody" in operation:
                expected |= {"400", "422"}
            if lacking := expected - set(operation["responses"]):
                missing.append(f"{method.upper()} {path}: {sorted(lacking)}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("number", ["²", "9" * 5000, "-1"])
def test_a_number_python_cannot_read_is_refused_not_a_500(app, two_coops, number):
    (a, admin_a), _b = two_coops
    web = app.test_client()
    assert sign_in(web, admin_a.email, PASSWORD).status_code == 302
    token = csrf_token(web, f"/c/{a.slug}/")
    proposal = web.post(f"/c/{a.slug}/governance/new", data={
        "csrf_token": token, "title": "T", "body": "B", "meeting_id": number,
        "opens_at": "soon", "closes_at": "", "quorum": number})
    subject = web.post(f"/c/{a.slug}/settings/data/subject-access", data={
        "csrf_token": token, "kind": "member", "record_id": number})
    assert proposal.status_code == 422 and subject.status_code == 422

"""schemathesis against the served OpenAPI document: no 5xx, and every response fits the schema.

Every documented operation is driven as a signed-in admin of a real co-op (with the CSRF
header a cookie-authenticated client sends), with Hypothesis-generated inputs, both
valid (positive) and invalid (negative). Each operation runs as its own Hypothesis
test so a failure names the operation and the smallest input that breaks it.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fixtures.app import sign_in
from tests.fixtures.factories import PASSWORD, create_coop

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance,
          status_code_conformance]
EXAMPLES = 15


@pytest.fixture(scope="module")
def api_schema(app):
    """The OpenAPI document the app serves, loaded through the app itself."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture(scope="module")
def admin_session(app):
    """A Direct Payment co-op (beside another one) and the headers of its signed-in admin."""
    coop, admin = create_coop(app, coop_type="dp_pool")
    create_coop(app, coop_type="worker")
    client = app.test_client()
    assert sign_in(client, admin.email, PASSWORD).status_code == 302
    token = client.get("/api/v1/session").get_json()["csrf_token"]
    cookie = client.get_cookie("session").value
    return coop.slug, {"Cookie": f"session={cookie}", "X-CSRFToken": token}


def test_the_document_describes_every_workspace_api(api_schema):
    labels = {op.ok().label for op in api_schema.get_all_operations()}
    for path in ("/members", "/ballots/{ballot_id}/votes", "/workers", "/clients", "/visits",
                 "/pool/members"):
        assert any(path in label for label in labels), path


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["valid", "invalid"])
def test_api_never_fails_and_keeps_to_its_schema(api_schema, admin_session, mode):
    slug, headers = admin_session
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        params = {"slug": slug} if "{slug}" in operation.path else None
        strategy = operation.as_strategy(generation_mode=mode, path_parameters=params)

        @given(case=strategy)
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Unsatisfiable:
            # An operation with no parameters and no body has nothing to make invalid.
            if mode is not GenerationMode.NEGATIVE:
                raise
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure
            failures.append(f"{operation.label}: {exc}"[:2000])
    assert failures == [], "\n\n".join(failures)

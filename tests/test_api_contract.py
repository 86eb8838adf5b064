"""schemathesis against the served OpenAPI document: no 5xx, and every response fits the schema.

Every documented operation is driven over HTTP against the app served on a free port,
as the signed-in admin of a real co-op (with the CSRF header a cookie-authenticated
client sends): all of schemathesis's phases (examples, coverage, fuzzing with valid and
invalid data, stateful sequences linked through Location headers), 100 examples per
operation. It takes minutes, so it runs once, in the embedded pass of CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import marshmallow as ma
import pytest
import requests
import schemathesis

from federation.extensions import limiter
from tenants.web import StrictSchema
from tests.fixtures.app import CSRF
from tests.fixtures.factories import PASSWORD, create_coop
from tests.fixtures.stores import ON_POSTGRES

EXAMPLES = 100
# A fixed seed keeps CI repeatable; set COOPFED_SCHEMATHESIS_SEED to explore other inputs
# (a run with a random seed found the naive date-time fixed in 4480143).
SEED = os.environ.get("COOPFED_SCHEMATHESIS_SEED", "20261206")


@pytest.fixture(scope="module")
def api_schema(app):
    """The OpenAPI document the app serves, loaded through the app itself."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def test_the_document_describes_every_workspace_api(api_schema):
    labels = {op.ok().label for op in api_schema.get_all_operations()}
    for path in ("/members", "/ballots/{ballot_id}/votes", "/workers", "/clients", "/visits",
                 "/pool/members"):
        assert any(path in label for label in labels), path


def _schemas(cls=ma.Schema):
    for sub in cls.__subclasses__():
        yield sub
        yield from _schemas(sub)


def test_every_answered_instant_carries_its_utc_offset(app, api_schema):
    """SQLite hands back naive values: an answer built with marshmallow's plain DateTime
    says "2026-12-07T10:54:06" there, which the documented date-time format refuses (the
    examples phase found it on invitations). Only UTCDateTime may answer an instant;
    input schemas (StrictSchema) may read one with DateTime."""
    naive = sorted(f"{schema.__module__}.{schema.__qualname__}.{name}"
                   for schema in set(_schemas()) if not issubclass(schema, StrictSchema)
                   and schema.__module__.split(".")[0] in {"core", "federation", "services",
                                                           "tenants"}
                   for name, field in schema._declared_fields.items()
                   if type(field) is ma.fields.DateTime)
    assert naive == []


UA = "coopfed-contract-test"
PHASES = "examples,coverage,fuzzing,stateful"
# Checks every response must pass: no 5xx, and the documented status, content type
# and body schema.
CLI_CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
              "response_schema_conformance")


def _live_admin(base: str, email: str) -> dict[str, str]:
    """Sign in over HTTP as a browser would; the headers every generated call carries.

    The session is bound to the client's User-Agent (session protection), so the runner
    sends the same one.
    """
    browser = requests.Session()
    browser.headers["User-Agent"] = UA
    page = browser.get(f"{base}/signin").text
    token = CSRF.search(page).group(1)
    signed_in = browser.post(f"{base}/signin", allow_redirects=False, data={
        "email": email, "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302, signed_in.text[-500:]
    csrf = browser.get(f"{base}/api/v1/session").json()["csrf_token"]
    return {"Cookie": f"session={browser.cookies.get('session')}", "X-CSRFToken": csrf,
            "User-Agent": UA}


@pytest.mark.skipif(ON_POSTGRES, reason="slow: run once, in the embedded pass (the PostgreSQL "
                    "pass covers NUL bytes and overflow in tests/federation/security)")
def test_every_operation_all_phases_100_examples_against_the_live_app(
        app, live_server, tmp_path):
    """schemathesis's own runner (its CLI) over HTTP against the app served on a free
    port, signed in as the admin of a Direct Payment co-op beside another co-op: the
    examples, coverage, fuzzing (valid and invalid data) and stateful phases, 100
    examples per operation. Any server error, or a response outside its documented
    status, content type or schema, fails the test with schemathesis's report."""
    coop, admin = create_coop(app, coop_type="dp_pool")
    create_coop(app, coop_type="worker")
    limiter.reset()
    headers = _live_admin(live_server, admin.email)
    config = tmp_path / "schemathesis.toml"
    config.write_text(f'[parameters]\n"path.slug" = "{coop.slug}"\n')
    command = [str(Path(sys.executable).with_name("schemathesis")), "--config-file",
               str(config), "run", f"{live_server}/api/v1/openapi.json",
               "--phases", PHASES, "--max-examples", str(EXAMPLES), "--checks", CLI_CHECKS,
               "--workers", "2", "--generation-database", "none", "--no-color",
               "--max-failures", "20", "--report", "junit", "--report-dir", str(tmp_path),
               "--seed", SEED]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    # Its working folder is the test's own, so its cache never lands in the repository.
    run = subprocess.run(command, capture_output=True, text=True, timeout=1800, cwd=tmp_path)
    summary = run.stdout[-6000:]
    assert run.returncode == 0, summary
    # Each phase ran and passed: a skipped one ("⏭  Stateful", e.g. with no links between
    # operations) would still name the phase, so look for its success mark. The examples
    # phase replays the examples the document gives (adding a member, putting a proposal).
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in summary, summary

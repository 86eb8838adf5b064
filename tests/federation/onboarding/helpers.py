"""Driving the onboarding wizard through its pages, as a person with a browser would."""

from __future__ import annotations

import logging
import re

from core.db import db
from federation.agencies.models import Agency
from tests.fixtures.app import CSRF
from tests.fixtures.factories import unique

MAIL = "coopfed.mail"
RESUME_LINK = re.compile(r"https?://[^/\s]+(/start/resume/[\w-]+)")
INVITE_LINK = re.compile(r"https?://[^/\s]+(/invitations/[\w-]+/[\w-]+)")


def field_error(page: str, field: str) -> str | None:
    """The message shown beside ``field`` (its ``<field>-error`` element), or None."""
    match = re.search(rf'<p id="{re.escape(field)}-error" class="govuk-error-message">'
                      r'\s*<span class="govuk-visually-hidden">[^<]*</span>\s*(.*?)\s*</p>',
                      page, re.S)
    return match.group(1).replace("&#39;", "'") if match else None


def answers(slug: str | None = None, agency: str = "none") -> dict[str, dict]:
    """Valid answers for every step, as the forms post them."""
    return {
        "group": {"name": "Gofal Cymunedol Test", "name_cy": "Gofal Cymunedol Prawf",
                  "coop_type": "worker", "slug": slug or unique("gofal")},
        "where": {"las": ["W06000001", "W06000002"], "home_la": "W06000002"},
        "governance": {
            "classes-0-code": "worker", "classes-0-name_en": "Care worker member",
            "classes-0-name_cy": "Aelod gweithiwr gofal", "classes-0-voting": "yes",
            "classes-0-cap": "", "classes-0-min_shares": "2",
            "classes-1-code": "", "classes-1-name_en": "Friend of the co-op",
            "classes-1-name_cy": "Cyfaill y gydweithfa", "classes-1-voting": "no",
            "classes-1-cap": "", "classes-1-min_shares": "0"},
        "people": {
            "people-0-name": "Ann Jones", "people-0-email": f"{unique('ann')}@example.org",
            "people-0-member_class": "worker",
            "people-1-name": "Bryn Evans", "people-1-email": f"{unique('bryn')}@example.org",
            "people-1-member_class": "friend_of_the_co_op", "admin": "0"},
        "services": {"services": ["personal_care", "respite"], "welsh_offer": "full"},
        "legal": {"legal_form": "not_decided", "fca_society_number": "", "registered_on": ""},
        "sharing": {"statistics": "yes", "worker_pool": "no", "agency": agency},
    }


class Wizard:
    """A test client walking through /start, posting each form with its CSRF token."""

    def __init__(self, client):
        self.client = client

    def token(self, path: str) -> str:
        page = self.client.get(path)
        match = CSRF.search(page.get_data(as_text=True))
        assert match, f"no form on {path} ({page.status_code})"
        return match.group(1)

    def start(self):
        return self.client.post("/start", data={"csrf_token": self.token("/start")})

    def post(self, step: str, data: dict, action: str = "next", query: str = ""):
        path = f"/start/{step}{query}"
        return self.client.post(path, data={**data, "action": action,
                                            "csrf_token": self.token(path)})

    def fill(self, all_answers: dict, upto: str = "sharing") -> None:
        """Answer every step up to and including ``upto``; each must be accepted."""
        for step, data in all_answers.items():
            response = self.post(step, data)
            assert response.status_code == 302, (step, response.get_data(as_text=True)[-3000:])
            if step == upto:
                return

    def submit(self):
        return self.client.post("/start/submit",
                                data={"csrf_token": self.token("/start/review")})


def make_agency(app) -> int:
    """A committed development agency; returns its id."""
    with app.app_context():
        agency = Agency(name=unique("Agency"), name_cy=unique("Asiantaeth"))
        db.session.add(agency)
        db.session.commit()
        return agency.id


def mails(caplog) -> list[str]:
    """Every email the app wrote to the mail log so far in this test."""
    return [r.getMessage() for r in caplog.records if r.name == MAIL]


def capture_mail(caplog) -> None:
    """Keep the mail log's records for ``mails``."""
    caplog.set_level(logging.INFO, logger=MAIL)

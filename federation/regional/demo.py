"""The demo's API client: the Gwent RPB analyst's tool, with credentials printed by
``coopfed demo`` so that anyone can try the stats API at once.

It lives with the regional section (which uses oauth), not in oauth: oauth must not
import regional, or the two packages would import each other.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.db import db
from federation.accounts.service import account_by_email
from federation.oauth.service import client_by_client_id, do_register_client
from federation.regional.models import AnalystGrant

CLIENT_ID = "gwent-rpb-demo"
# A demo credential, printed on purpose; real clients get a random secret shown once.
CLIENT_SECRET = "coopfed-demo-stats-secret-2026"
ANALYST = "analyst@demo.coopfed.cymru"


def seed(today: date) -> list[tuple[str, str]]:
    """Register the analyst's body's client for the analyst's own area, once."""
    analyst = account_by_email(ANALYST)
    if analyst is None:
        return []
    grant = db.session.scalar(select(AnalystGrant).where(AnalystGrant.account_id == analyst.id)
                              .order_by(AnalystGrant.id))
    if grant is None:
        return []
    if client_by_client_id(CLIENT_ID) is None:
        do_register_client("Gwent Regional Partnership Board (demo tool)", grant.area_kind,
                           grant.area, actor_account_id=None, client_id=CLIENT_ID,
                           client_secret=CLIENT_SECRET)
    return [("stats API client of the Gwent RPB (client id, secret; POST /oauth/token)",
             f"{CLIENT_ID} {CLIENT_SECRET}")]

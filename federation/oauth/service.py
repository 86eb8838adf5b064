"""Registering and retiring regional bodies' API clients.

A federation admin (or the demo) registers a client for one area; the secret is shown
once and only its digest is kept. Retiring a client refuses its secret and every token
it holds at once.
"""

from __future__ import annotations

import secrets

from flask_babel import gettext
from sqlalchemy import select

from core import audit
from core.db import db
from core.errors import NotFound, ValidationError
from core.timeutil import utcnow
from federation.oauth.models import STATS_READ, OAuthClient, digest
from services.stats.query import check_area

NAME_MAX = 200


def do_register_client(name: str, area_kind: str, area: str, *,
                       actor_account_id: int | None,
                       client_id: str | None = None,
                       client_secret: str | None = None) -> tuple[OAuthClient, str]:
    """Register a client for one area; returns it and its secret, which is not kept.

    ``client_id`` and ``client_secret`` are for the demo's fixed credentials only.
    """
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["Enter the name of the tool or body."]
    elif len(name) > NAME_MAX:
        errors["name"] = [f"Use at most {NAME_MAX} characters."]
    try:
        check_area(area_kind, area)
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    secret = client_secret or secrets.token_urlsafe(32)
    client = OAuthClient(client_id=client_id or secrets.token_urlsafe(18),
                         secret_hash=digest(secret), name=name, area_kind=area_kind,
                         area=area, scope=STATS_READ, created_by_account_id=actor_account_id)
    db.session.add(client)
    db.session.flush()
    audit.record(db.session, "oauth.client_registered", actor_account_id=actor_account_id,
                 oauth_client_id=client.id)
    return client, secret


def do_retire_client(client_pk: int, *, actor_account_id: int | None) -> OAuthClient:
    """Refuse the client's secret and all its tokens from now on."""
    client = db.session.get(OAuthClient, client_pk)
    if client is None:
        raise NotFound(gettext("no such client"))
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        audit.record(db.session, "oauth.client_retired", actor_account_id=actor_account_id,
                     oauth_client_id=client.id)
        db.session.flush()
    return client


def list_clients() -> list[OAuthClient]:
    """Every client, newest first, retired ones included."""
    return list(db.session.scalars(select(OAuthClient).order_by(OAuthClient.id.desc())))


def client_by_client_id(client_id: str) -> OAuthClient | None:
    return db.session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))

"""The public directory: a co-op admin publishes or withdraws the co-op's entry; anyone
reads the published entries.

Nothing is public without the admin's explicit choice, and every publication, change
and withdrawal is audited in the same transaction. Whether an entry is published at the
moment a statistics release is built decides whether that release may name the co-op
(``services.stats.publish`` snapshots it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import marshmallow as ma
from sqlalchemy import delete, select

from core import audit, forms
from core.areas import local_authorities
from core.db import db
from core.errors import NotFound
from core.timeutil import utcnow
from services.directory.models import WELSH_OFFERS, DirectoryArea, DirectoryListing
from tenants.registry.models import Coop, CoopState
from tenants.web import StrictSchema

# Co-ops in these states are not shown, whatever they chose.
NOT_LISTED = (CoopState.PENDING, CoopState.PROVISIONING, CoopState.FAILED, CoopState.ARCHIVED)
CIW_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,39}$")
YES_NO = ("yes", "no")


class ListingSchema(StrictSchema):
    """What a co-op admin may publish (field names are the form's)."""

    publish = ma.fields.String(required=True, validate=ma.validate.OneOf(YES_NO))
    la_codes = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(
        tuple(local_authorities()))), required=True, validate=ma.validate.Length(min=1))
    services = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))
    services_cy = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))
    welsh_offer = ma.fields.String(required=True, validate=ma.validate.OneOf(WELSH_OFFERS))
    ciw_service_id = ma.fields.String(load_default="", validate=ma.validate.Length(max=40))
    rating_url = ma.fields.String(load_default="", validate=ma.validate.Length(max=300))
    taking_new_people = ma.fields.String(required=True, validate=ma.validate.OneOf(YES_NO))

    @ma.pre_load
    def _strip(self, data, **_kwargs):
        return {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}

    @ma.validates("ciw_service_id")
    def _ciw(self, value, **_kwargs):
        if value and not CIW_ID.match(value):
            raise ma.ValidationError("Not a CIW service ID.")

    @ma.validates("rating_url")
    def _url(self, value, **_kwargs):
        if value:
            ma.validate.URL(schemes={"https"}, require_tld=True)(value)


def load_listing(form: dict) -> dict:
    """Check a submitted entry; ValidationError naming each wrong field."""
    return forms.load(ListingSchema(), form)


def listing_for(coop_id: int) -> tuple[DirectoryListing | None, list[str]]:
    """A co-op's entry (published or not) and the LAs it serves."""
    listing = db.session.get(DirectoryListing, coop_id)
    areas = list(db.session.scalars(select(DirectoryArea.la_code)
                                    .where(DirectoryArea.coop_id == coop_id)
                                    .order_by(DirectoryArea.la_code)))
    return listing, areas


def do_save_listing(coop_id: int, data: dict, *, actor_account_id: int | None
                    ) -> DirectoryListing:
    """Save a co-op's entry from checked ``data`` (see ``load_listing``); publishing or
    withdrawing it is audited, as is any change to a published entry."""
    coop = db.session.get(Coop, coop_id)
    if coop is None:
        raise NotFound()
    listing = db.session.get(DirectoryListing, coop_id, with_for_update=True)
    was_published = bool(listing and listing.published)
    if listing is None:
        listing = DirectoryListing(coop_id=coop_id, published=False)
        db.session.add(listing)
    publish = data["publish"] == "yes"
    listing.services = data["services"]
    listing.services_cy = data.get("services_cy") or None
    listing.welsh_offer = data["welsh_offer"]
    listing.ciw_service_id = data.get("ciw_service_id") or None
    listing.rating_url = data.get("rating_url") or None
    listing.taking_new_people = data["taking_new_people"] == "yes"
    listing.published = publish
    if publish and not was_published:
        listing.published_at = utcnow()
    db.session.flush()
    db.session.execute(delete(DirectoryArea).where(DirectoryArea.coop_id == coop_id))
    db.session.add_all(DirectoryArea(coop_id=coop_id, la_code=code)
                       for code in sorted(set(data["la_codes"])))
    action = ("directory.published" if publish and not was_published
              else "directory.withdrawn" if was_published and not publish
              else "directory.updated" if publish else "directory.saved")
    audit.record(db.session, action, actor_account_id=actor_account_id, coop_id=coop_id,
                 areas=len(set(data["la_codes"])))
    db.session.flush()
    return listing


def do_withdraw(coop_id: int, *, actor_account_id: int | None) -> None:
    """Take a co-op's entry out of the directory at once (audited); kept for next time.

    Statistics releases already published keep naming it; the next one will not."""
    listing = db.session.get(DirectoryListing, coop_id, with_for_update=True)
    if listing is None or not listing.published:
        return
    listing.published = False
    audit.record(db.session, "directory.withdrawn", actor_account_id=actor_account_id,
                 coop_id=coop_id)
    db.session.flush()


@dataclass(frozen=True)
class Entry:
    """One published entry, as anyone may read it."""

    coop_id: int
    name: str
    name_cy: str | None
    coop_type: str
    la_codes: tuple[str, ...]
    services: str
    services_cy: str | None
    welsh_offer: str
    ciw_service_id: str | None
    rating_url: str | None
    taking_new_people: bool

    def display_name(self, locale: str) -> str:
        return self.name_cy if locale == "cy" and self.name_cy else self.name

    def display_services(self, locale: str) -> str:
        return self.services_cy if locale == "cy" and self.services_cy else self.services


def published_entries() -> list[Entry]:
    """Every published entry of a co-op that is running, by name."""
    rows = db.session.execute(
        select(Coop.id, Coop.name, Coop.name_cy, Coop.coop_type, DirectoryListing)
        .join(DirectoryListing, DirectoryListing.coop_id == Coop.id)
        .where(DirectoryListing.published.is_(True), Coop.state.not_in(NOT_LISTED))
        .order_by(Coop.name, Coop.id)).all()
    areas: dict[int, list[str]] = {}
    for coop_id, code in db.session.execute(
            select(DirectoryArea.coop_id, DirectoryArea.la_code)
            .where(DirectoryArea.coop_id.in_([r[0] for r in rows]))
            .order_by(DirectoryArea.coop_id, DirectoryArea.la_code)):
        areas.setdefault(coop_id, []).append(code)
    order = list(local_authorities())
    return [Entry(coop_id, name, name_cy, coop_type,
                  tuple(sorted(areas.get(coop_id, []), key=order.index)),
                  listing.services, listing.services_cy, listing.welsh_offer,
                  listing.ciw_service_id, listing.rating_url, listing.taking_new_people)
            for coop_id, name, name_cy, coop_type, listing in rows]


def entries_by_area(entries: list[Entry]) -> dict[str, list[Entry]]:
    """LA code → the entries serving it, for every one of the 22 LAs (in the source order)."""
    out: dict[str, list[Entry]] = {code: [] for code in local_authorities()}
    for entry in entries:
        for code in entry.la_codes:
            out[code].append(entry)
    return out

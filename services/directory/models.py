"""A co-op's entry in the public directory, published only with its admin's consent.

A co-op that has published its entry is *named*: its name, services and CIW
registration are public anyway, so the organisation rule of the statistics (DESIGN
§3.4 rule 3) no longer protects it. Each release snapshots who was named at that time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.areas import local_authorities
from core.db import FederationBase
from tenants.vocabulary import in_list

# How much of the care a co-op offers in Welsh (the Active Offer, wales-care-rules.md §9).
WELSH_OFFERS = ("active_offer", "some_welsh", "english_only")


class DirectoryListing(FederationBase):
    """What a co-op's admin chose to publish, and whether it is published now."""

    __tablename__ = "directory_listings"
    __table_args__ = (
        CheckConstraint(in_list("welsh_offer", WELSH_OFFERS), name="welsh_offer"),
        CheckConstraint("rating_url IS NULL OR rating_url LIKE 'https://%'",
                        name="rating_url_https"),
        CheckConstraint("length(services) BETWEEN 1 AND 500", name="services_length"),
        CheckConstraint("NOT published OR published_at IS NOT NULL",
                        name="published_has_time"),
    )

    coop_id: Mapped[int] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="CASCADE"), primary_key=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    services: Mapped[str] = mapped_column(String(500))
    services_cy: Mapped[str | None] = mapped_column(String(500))
    welsh_offer: Mapped[str] = mapped_column(String(16))
    ciw_service_id: Mapped[str | None] = mapped_column(String(40))
    rating_url: Mapped[str | None] = mapped_column(String(300))
    taking_new_people: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now())


class DirectoryArea(FederationBase):
    """One local authority a listed co-op serves."""

    __tablename__ = "directory_areas"
    __table_args__ = (CheckConstraint(in_list("la_code", local_authorities()), name="la_code"),)

    coop_id: Mapped[int] = mapped_column(
        ForeignKey("federation.directory_listings.coop_id", ondelete="CASCADE"),
        primary_key=True)
    la_code: Mapped[str] = mapped_column(String(9), primary_key=True)

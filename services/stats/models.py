"""Pooled statistics in the federation: raw rollups (restricted) and published releases.

Only the publish job reads ``stats_rollups``, ``stats_rollup_weeks``,
``stats_release_coops`` and ``stats_cell_refs``; regional readers see ``stats_cells``
of a published release and nothing else (DESIGN §3.4).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import FederationBase
from services.stats.cells import BREAKDOWNS, GEOGRAPHY_KINDS, MEASURES, PERIOD_KINDS, REASONS
from tenants.vocabulary import in_list

RELEASE_STATUSES = ("running", "published", "failed")
CELL_STATUSES = ("shown", "suppressed")


class StatsRelease(FederationBase):
    """One run of the publish job: a versioned release of disclosure-controlled cells."""

    __tablename__ = "stats_releases"
    __table_args__ = (
        CheckConstraint(in_list("status", RELEASE_STATUSES), name="status"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        CheckConstraint("version > 0", name="version_positive"),
        CheckConstraint("status <> 'published' OR output_digest IS NOT NULL",
                        name="published_has_digest"),
        # Only one publish may run at a time, so versions are built in order.
        Index("uq_stats_releases_running", "status", unique=True,
              sqlite_where=text("status = 'running'"),
              postgresql_where=text("status = 'running'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    input_digest: Mapped[str | None] = mapped_column(String(64))
    output_digest: Mapped[str | None] = mapped_column(String(64))
    cell_count: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"))


class StatsCell(FederationBase):
    """One published cell: a geography × measure × period × (breakdown, category).

    ``value`` is NULL exactly when the cell is suppressed, and ``reason`` says why.
    """

    __tablename__ = "stats_cells"
    __table_args__ = (
        UniqueConstraint("release_id", "geography_kind", "geography_code", "measure",
                         "period_kind", "period", "breakdown", "category",
                         name="uq_stats_cells_key"),
        CheckConstraint(in_list("geography_kind", GEOGRAPHY_KINDS), name="geography_kind"),
        CheckConstraint(in_list("measure", MEASURES), name="measure"),
        CheckConstraint(in_list("period_kind", PERIOD_KINDS), name="period_kind"),
        CheckConstraint(in_list("breakdown", ("", *BREAKDOWNS)), name="breakdown"),
        CheckConstraint(in_list("status", CELL_STATUSES), name="status"),
        CheckConstraint("(status = 'shown' AND value IS NOT NULL AND value >= 0 "
                        "AND reason IS NULL) OR (status = 'suppressed' AND value IS NULL "
                        "AND reason IS NOT NULL)", name="value_matches_status"),
        CheckConstraint("reason IS NULL OR " + in_list("reason", REASONS), name="reason"),
        CheckConstraint("(breakdown = '') = (category = '')", name="category_with_breakdown"),
        Index("ix_stats_cells_lookup", "release_id", "geography_kind", "geography_code",
              "measure", "period_kind", "breakdown"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    release_id: Mapped[int] = mapped_column(
        ForeignKey("federation.stats_releases.id", ondelete="CASCADE"))
    geography_kind: Mapped[str] = mapped_column(String(8))
    geography_code: Mapped[str] = mapped_column(String(40))
    measure: Mapped[str] = mapped_column(String(24))
    period_kind: Mapped[str] = mapped_column(String(8))
    period: Mapped[str] = mapped_column(String(8))
    breakdown: Mapped[str] = mapped_column(String(16), default="")
    category: Mapped[str] = mapped_column(String(32), default="")
    value: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(String(24))


class StatsRollupWeek(FederationBase):
    """The latest revision received of one co-op's rollup for one ISO week (restricted)."""

    __tablename__ = "stats_rollup_weeks"
    __table_args__ = (CheckConstraint("revision > 0", name="revision_positive"),)

    coop_id: Mapped[int] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="CASCADE"), primary_key=True)
    week: Mapped[str] = mapped_column(String(8), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())


class StatsRollup(FederationBase):
    """One raw figure of one co-op's week (restricted: only the publish job reads it)."""

    __tablename__ = "stats_rollups"
    __table_args__ = (
        CheckConstraint(in_list("measure", MEASURES), name="measure"),
        CheckConstraint(in_list("breakdown", ("", *BREAKDOWNS)), name="breakdown"),
        CheckConstraint("value >= 0", name="value_nonnegative"),
        CheckConstraint("revision > 0", name="revision_positive"),
    )

    coop_id: Mapped[int] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="CASCADE"), primary_key=True)
    week: Mapped[str] = mapped_column(String(8), primary_key=True)
    measure: Mapped[str] = mapped_column(String(24), primary_key=True)
    breakdown: Mapped[str] = mapped_column(String(16), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)


class StatsReleaseCoop(FederationBase):
    """A co-op's consent and attributes as the publish job saw them (rule 7)."""

    __tablename__ = "stats_release_coops"

    release_id: Mapped[int] = mapped_column(
        ForeignKey("federation.stats_releases.id", ondelete="CASCADE"), primary_key=True)
    coop_id: Mapped[int] = mapped_column(
        ForeignKey("federation.coops.id", ondelete="CASCADE"), primary_key=True)
    shares_statistics: Mapped[bool] = mapped_column(Boolean)
    la_code: Mapped[str] = mapped_column(String(9))
    coop_type: Mapped[str] = mapped_column(String(32))
    # The co-op's name if its directory entry was published at release time (issue 13):
    # only then may the release name it, and only then is rule 3 not applied to it.
    named_as: Mapped[str | None] = mapped_column(String(200))


class StatsReleaseUsefulness(FederationBase):
    """How many cells of one geography kind and measure a release published."""

    __tablename__ = "stats_release_usefulness"
    __table_args__ = (
        CheckConstraint(in_list("geography_kind", GEOGRAPHY_KINDS), name="geography_kind"),
        CheckConstraint(in_list("measure", MEASURES), name="measure"),
        CheckConstraint("shown >= 0 AND shown <= cells", name="shown_within_cells"),
    )

    release_id: Mapped[int] = mapped_column(
        ForeignKey("federation.stats_releases.id", ondelete="CASCADE"), primary_key=True)
    geography_kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    measure: Mapped[str] = mapped_column(String(24), primary_key=True)
    cells: Mapped[int] = mapped_column(Integer)
    shown: Mapped[int] = mapped_column(Integer)


class StatsCellRef(FederationBase):
    """A cell's references for the next release (restricted).

    The held-back rule (rule 6) compares each co-op's contribution to a cell with the
    anchor: the contributions when the cell was last published without being held back.
    A held-back cell carries its anchor forward; the previous release's references are
    dropped once a newer release is published. ``coop_ids`` lists the anchor's co-ops.
    """

    __tablename__ = "stats_cell_refs"

    release_id: Mapped[int] = mapped_column(
        ForeignKey("federation.stats_releases.id", ondelete="CASCADE"), primary_key=True)
    cell_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    coop_ids: Mapped[str] = mapped_column(Text)
    # Issue 18: each co-op's contribution at the anchor ("coop:value,..."), which rule 6
    # compares the next state with; and a digest of the cell's state and its outcome in
    # this release, which a later release keeps while the state does not change.
    anchor: Mapped[str] = mapped_column(Text, default="", server_default="")
    state: Mapped[str] = mapped_column(Text, default="", server_default="")
    value: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(24))

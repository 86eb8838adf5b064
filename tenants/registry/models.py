"""The co-op registry and memberships: which co-ops exist, and who is in each."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.areas import local_authorities
from core.db import FederationBase
from tenants.vocabulary import in_list


class CoopType(enum.StrEnum):
    """The kinds of co-op coopfed provisions (DESIGN §2)."""

    WORKER = "worker"
    USER_LED = "user_led"
    DP_POOL = "dp_pool"
    MULTI_STAKEHOLDER = "multi_stakeholder"
    FOSTER = "foster"
    COMMUNITY = "community"


class CoopState(enum.StrEnum):
    """Lifecycle: pending → provisioning → active → suspended → archived; failed; maintenance."""

    PENDING = "pending"
    PROVISIONING = "provisioning"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ARCHIVED = "archived"
    FAILED = "failed"
    MAINTENANCE = "maintenance"


class Role(enum.StrEnum):
    """A person's role inside one co-op."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    WORKER = "worker"
    MEMBER = "member"



class Coop(FederationBase):
    """A co-op known to the federation, and where its provisioning and schema stand."""

    __tablename__ = "coops"
    __table_args__ = (
        CheckConstraint(in_list("coop_type", CoopType), name="coop_type"),
        CheckConstraint(in_list("state", CoopState), name="state"),
        CheckConstraint(in_list("la_code", local_authorities()), name="la_code"),
        CheckConstraint("default_locale IN ('en', 'cy')", name="default_locale"),
        CheckConstraint("length(slug) BETWEEN 2 AND 40", name="slug_length"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_cy: Mapped[str | None] = mapped_column(String(200))
    coop_type: Mapped[str] = mapped_column(String(32))
    la_code: Mapped[str] = mapped_column(String(9))
    default_locale: Mapped[str] = mapped_column(String(2), default="en")
    state: Mapped[str] = mapped_column(String(16), default=CoopState.PENDING, index=True)
    state_reason: Mapped[str | None] = mapped_column(String(500))
    schema_version: Mapped[str | None] = mapped_column(String(64), index=True)
    first_admin_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="SET NULL"))
    provisioning_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now())
    provisioned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Data sharing, each chosen by the co-op's admin (DESIGN §3.3, §3.4 rule 7).
    shares_statistics: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    joins_worker_pool: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Statistics count only from a co-op a federation admin has verified (issue 18): a new
    # account cannot open co-ops that swell a cell past the organisation rule.
    stats_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def display_name(self, locale: str) -> str:
        """The co-op's name in ``locale``, falling back to English."""
        return (self.name_cy if locale == "cy" and self.name_cy else self.name)


class SpareStore(FederationBase):
    """A co-op store built and stamped ahead of time, waiting for provisioning to claim it.

    Its schema (``spare_<id>``) and role, or its file (``spares/spare_<id>.sqlite``), are
    renamed to a co-op's when claimed, and the row goes. It is never a co-op: nothing
    that lists co-ops reads this table. ``schema_version`` is None only while an embedded
    spare is being built; ``failure`` holds why migrate-all could not upgrade it (such a
    spare is never claimed, and the refill job replaces it).
    """

    __tablename__ = "spare_stores"
    # Never reuse an id on SQLite: a claim that read a dropped spare's id must not find a
    # new, half-built file under the same name.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schema_version: Mapped[str | None] = mapped_column(String(64), index=True)
    failure: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Membership(FederationBase):
    """Who may sign in to which co-op, with which role."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("account_id", "coop_id"),
        CheckConstraint(in_list("role", Role), name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("federation.accounts.id", ondelete="CASCADE"), index=True)
    coop_id: Mapped[int] = mapped_column(ForeignKey("federation.coops.id", ondelete="CASCADE"),
                                         index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

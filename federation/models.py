"""Every table in the federation's store, imported in one place for Alembic and create_app."""

from core.audit import AuditEvent
from core.db import FederationBase
from federation.accounts.models import Account, LoginSession
from federation.agencies.models import Agency, AgencyAccess, AgencyAdvisor
from federation.oauth.models import OAuthClient, OAuthToken
from federation.onboarding.models import Draft
from federation.regional.models import AnalystGrant
from services.directory.models import DirectoryArea, DirectoryListing
from services.jobs.models import JobLease
from services.lending.compliance_models import ComplianceRecord, DbsShare  # noqa: F401
from services.lending.models import (
    LedgerEntry,
    LendingAgreement,
    LendingRequest,
    LendingSlot,
    Notification,
)
from services.mail.models import SentMail
from services.outbox.models import InboxEvent
from services.pool.models import PoolProfile, PoolShift
from services.portability.models import CoopImport, CoopLeaving, PortabilityJob  # noqa: F401
from services.stats.models import (
    StatsCell,
    StatsCellRef,
    StatsRelease,
    StatsReleaseCoop,
    StatsReleaseUsefulness,
    StatsRollup,
    StatsRollupWeek,
)
from tenants.care_person.access import CareAccess
from tenants.registry.models import Coop, Membership

metadata = FederationBase.metadata

__all__ = ["Account", "Agency", "AgencyAccess", "AgencyAdvisor", "AnalystGrant", "AuditEvent",
           "CareAccess",
           "Coop", "DirectoryArea", "DirectoryListing",
           "Draft", "InboxEvent", "LedgerEntry", "LendingAgreement", "LendingRequest",
           "LendingSlot", "LoginSession", "Membership", "Notification", "OAuthClient",
           "JobLease", "PoolProfile", "PoolShift", "SentMail",
           "OAuthToken", "StatsCell", "StatsCellRef", "StatsRelease", "StatsReleaseCoop",
           "StatsReleaseUsefulness", "StatsRollup", "StatsRollupWeek",
           "metadata"]

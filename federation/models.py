"""Every table in the federation's store, imported in one place for Alembic and create_app."""

from core.audit import AuditEvent
from core.db import FederationBase
from federation.accounts.models import Account, LoginSession
from federation.agencies.models import Agency, AgencyAccess, AgencyAdvisor
from federation.regional.models import AnalystGrant
from services.outbox.models import InboxEvent
from tenants.registry.models import Coop, Membership

metadata = FederationBase.metadata

__all__ = ["Account", "Agency", "AgencyAccess", "AgencyAdvisor", "AnalystGrant", "AuditEvent",
           "Coop", "InboxEvent", "LoginSession", "Membership", "metadata"]

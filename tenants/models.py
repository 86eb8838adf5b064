"""Every table in a co-op's store, imported in one place for create_all and Alembic."""

from core.db import TenantBase
from tenants.audit.models import TenantAuditEvent
from tenants.members.models import MemberClass
from tenants.outbox.models import OutboxEvent
from tenants.settings_models import CoopSetting

metadata = TenantBase.metadata

__all__ = ["CoopSetting", "MemberClass", "OutboxEvent", "TenantAuditEvent", "metadata"]

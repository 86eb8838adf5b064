"""Every table in a co-op's store, imported in one place for create_all and Alembic."""

from core.db import TenantBase
from tenants.audit.models import TenantAuditEvent
from tenants.care_person.models import CareLink, CarerPreference, FamilyGrant
from tenants.clients.models import Client, ClientNeed, RegularCarer
from tenants.governance.models import (
    Ballot,
    BallotChoice,
    BallotParticipation,
    GeneralMeeting,
    MeetingAttendance,
    MeetingNotice,
    Proposal,
    ProposalComment,
    ProxyAppointment,
    SocietyReminder,
)
from tenants.lending.models import (
    GuestAssignment,
    LendingCommitment,
    PoolConsent,
    RequestClient,
)
from tenants.members.models import (
    Invitation,
    Member,
    MemberClass,
    MemberClassLink,
    ShareTransaction,
)
from tenants.officers.models import CoopTask, Officer, OfficerElection
from tenants.outbox.models import OutboxEvent
from tenants.payments.models import DpPoolEntry, DpPoolMember
from tenants.position.models import LegalPosition, RegisteredService
from tenants.rota.models import ContractOffer, PatternSkill, Visit, VisitPattern, VisitSkill
from tenants.settings_models import CoopSetting
from tenants.stats.models import RollupState
from tenants.workforce.models import Availability, DbsStatusCheck, Worker, WorkerSkill

metadata = TenantBase.metadata

__all__ = [
    "Availability", "Ballot", "BallotChoice", "BallotParticipation", "CareLink",
    "CarerPreference", "Client", "ClientNeed", "FamilyGrant",
    "CoopSetting", "GuestAssignment", "Invitation", "LendingCommitment", "Member",
    "MemberClass", "MemberClassLink", "OutboxEvent", "PatternSkill", "PoolConsent", "DpPoolEntry",
    "DpPoolMember", "Proposal", "RegularCarer", "RequestClient", "RollupState",
    "LegalPosition", "RegisteredService", "ContractOffer", "DbsStatusCheck",
    "CoopTask", "Officer", "OfficerElection",
    "TenantAuditEvent", "GeneralMeeting", "MeetingAttendance", "MeetingNotice",
    "ProposalComment", "ProxyAppointment", "ShareTransaction", "SocietyReminder",
    "Visit", "VisitPattern", "VisitSkill", "Worker", "WorkerSkill", "metadata",
]

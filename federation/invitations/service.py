"""An invitation link joins two stores: the co-op's register and the federation's memberships.

The co-op's session is bound as in a workspace request, so the request boundary commits
both. The federation commits first: if the co-op's commit then failed, the membership
exists but the link still works, and accepting it again finishes the job.
"""

from __future__ import annotations

from sqlalchemy import select

from core import audit
from core.db import db
from federation.accounts.models import Account
from federation.accounts.service import normalise_email
from tenants.context import bind_tenant, tenant_session
from tenants.members import service as members
from tenants.members.models import Invitation
from tenants.registry.models import Coop, Membership, Role
from tenants.registry.service import check_serving, coop_by_slug
from tenants.store import TenantRef


def _enter(slug: str) -> Coop:
    coop = coop_by_slug(slug)
    check_serving(coop)
    bind_tenant(TenantRef(coop.id, coop.slug))
    return coop


def check_invitation(slug: str, token: str) -> tuple[Coop, Invitation]:
    """The co-op and its usable invitation for ``token``; raises NotFound or
    InvitationUnusable (with the reason: unknown, used or expired)."""
    coop = _enter(slug)
    return coop, members.find_invitation(tenant_session(), token)


def check_invited_account(session, token: str, account_id: int) -> None:
    """Only the account whose (verified) email the invitation was sent to may accept it.

    Anyone who sees the link (a forwarded email, a shared screen) otherwise becomes the
    member it names. Accounts sign in only once their address is verified, so comparing
    the addresses is enough.
    """
    invitation = members.find_invitation(session, token)
    member = members.get_member(session, invitation.member_id)
    account = db.session.get(Account, account_id)
    if account is None or not account.email_verified or member.email is None \
            or normalise_email(member.email) != account.email:
        audit.record_despite_rollback("invitation.refused", outcome="refused",
                                      actor_account_id=account_id, member_id=member.id)
        raise members.InvitationUnusable("other_account")


def do_accept(slug: str, token: str, account_id: int, *, ip: str | None = None) -> Coop:
    """Link the invited member to the account and let the account into the co-op as a member.

    An existing membership (say as coordinator) is kept as it is.
    """
    coop = _enter(slug)
    check_invited_account(tenant_session(), token, account_id)
    member = members.accept_invitation(tenant_session(), token, account_id)
    exists = db.session.scalar(select(Membership.id).where(
        Membership.coop_id == coop.id, Membership.account_id == account_id))
    if exists is None:
        db.session.add(Membership(coop_id=coop.id, account_id=account_id, role=Role.MEMBER))
        audit.record(db.session, "membership.granted", actor_account_id=account_id,
                     coop_id=coop.id, ip=ip, subject_account_id=account_id,
                     role=str(Role.MEMBER), via="invitation")
    audit.record(db.session, "invitation.accepted", actor_account_id=account_id,
                 coop_id=coop.id, ip=ip, member_id=member.id)
    db.session.flush()
    return coop

"""The federation's side of care links: finding accounts by email, and family invitations.

An invitation link joins two stores: the co-op's ``FamilyGrant`` and the federation's
``care_access`` index. The co-op's session is bound as in a workspace request, so the
request boundary commits both (the federation first: if the co-op's commit then failed,
the index row grants nothing, because the page checks the co-op's store too).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.db import db
from core.errors import ValidationError
from federation.accounts.models import Account
from tenants.care_person import service as care
from tenants.care_person.models import FamilyGrant
from tenants.context import bind_tenant
from tenants.registry.models import Coop
from tenants.registry.service import check_serving, coop_by_slug
from tenants.store import TenantRef


def account_by_email(email: str) -> Account:
    """The account that signs in with ``email``; refused naming the field if none does."""
    account = db.session.scalar(select(Account).where(
        Account.email == func.lower(email.strip())))
    if account is None:
        raise ValidationError({"email": [str(_l(
            "No coopfed account uses this email address. Ask the person to create one "
            "first (it is free), then link it here."))]})
    return account


def enter(slug: str) -> Coop:
    """Bind the co-op behind an invitation link (it must be serving)."""
    coop = coop_by_slug(slug)
    check_serving(coop)
    bind_tenant(TenantRef(coop.id, coop.slug))
    return coop


class OtherAccount(care.FamilyInvitationUnusable):
    """The invitation was sent to another email address than the signed-in account's."""


def check_family_invitation(slug: str, token: str) -> tuple[Coop, FamilyGrant]:
    """The co-op and the usable invitation behind a link; NotFound otherwise."""
    coop = enter(slug)
    return coop, care.find_family_grant(token)


def do_accept_family(slug: str, token: str, account: Account) -> Coop:
    """Accept a family invitation with the account it was sent to."""
    coop, grant = check_family_invitation(slug, token)
    if grant.email != account.email.lower():
        raise OtherAccount()
    care.do_accept_family(token, account.id)
    return coop

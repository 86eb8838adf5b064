"""The co-op workspace's front page at ``/c/<slug>/``."""

from __future__ import annotations

from flask import g, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.areas import local_authority
from tenants.context import tenant_session
from tenants.members.models import MemberClass
from tenants.web import ALL_ROLES, coop_pages, register_nav, require_role

pages = coop_pages("workspace", __name__)
register_nav("workspace.home", _l("Overview"))


@pages.get("/")
@require_role(*ALL_ROLES)
def home():
    """The co-op's front page: its name, the person's role, and its member classes."""
    classes = tenant_session().scalars(select(MemberClass).order_by(MemberClass.id)).all()
    return render_template("workspace/home.html", coop=g.coop, role=g.coop_role,
                           la=local_authority(g.coop.la_code), classes=classes)

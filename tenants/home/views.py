"""The co-op workspace at ``/c/<slug>/``: who may enter, and its front page."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request
from flask_login import current_user
from sqlalchemy import select

from core.areas import local_authority
from tenants.context import bind_tenant, tenant_session
from tenants.members.models import MemberClass
from tenants.registry.service import access_coop
from tenants.store import TenantRef

bp = Blueprint("workspace", __name__, url_prefix="/c/<slug>", template_folder="templates")


@bp.url_value_preprocessor
def _pull_slug(_endpoint, values):
    g.coop_slug = values.pop("slug")


@bp.url_defaults
def _add_slug(_endpoint, values):
    if "slug" not in values and getattr(g, "coop", None) is not None:
        values["slug"] = g.coop.slug


@bp.before_request
def _enter_coop():
    """The co-op comes from the URL and must be one of the person's memberships."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    coop, role = access_coop(g.coop_slug, current_user.account.id, ip=request.remote_addr)
    g.coop, g.coop_role = coop, role
    bind_tenant(TenantRef(coop.id, coop.slug))
    return None


@bp.get("/")
def home():
    """The co-op's front page: its name, the person's role, and its member classes."""
    classes = tenant_session().scalars(select(MemberClass).order_by(MemberClass.id)).all()
    return render_template("workspace/home.html", coop=g.coop, role=g.coop_role,
                           la=local_authority(g.coop.la_code), classes=classes)

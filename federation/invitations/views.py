"""The page behind an invitation link: /invitations/<coop-slug>/<token>.

The invitee may not be signed in, or may have no account yet. Opening the link changes
nothing (mail scanners open links); accepting is a POST from a signed-in person.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from core.errors import NotFound
from federation.invitations import service
from tenants.members.service import InvitationUnusable

bp = Blueprint("invitations", __name__, url_prefix="/invitations",
               template_folder="templates")

_PRIVATE = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _unusable(reason: str):
    status = {"unknown": 404, "other_account": 403}.get(reason, 410)
    return render_template("invitations/unusable.html", reason=reason), status, _PRIVATE


@bp.route("/<slug>/<token>", methods=["GET", "POST"])
def accept(slug: str, token: str):
    """Show the invitation; a signed-in person accepts it with the button."""
    if len(token) > 200:
        return _unusable("unknown")
    try:
        if request.method == "POST" and current_user.is_authenticated:
            coop = service.do_accept(slug, token, current_user.account.id,
                                     ip=request.remote_addr)
            flash(_("Welcome to %(coop)s. You are now linked to your entry in its register "
                    "of members.", coop=coop.display_name(str(get_locale()))))
            return redirect(url_for("workspace.home", slug=coop.slug))
        coop, _invitation = service.check_invitation(slug, token)
    except InvitationUnusable as exc:
        return _unusable(exc.reason)
    except NotFound:
        return _unusable("unknown")
    if request.method == "POST":
        return redirect(url_for("accounts.sign_in", next=request.path))
    return render_template("invitations/accept.html", coop=coop, token=token,
                           next_path=request.path), 200, _PRIVATE

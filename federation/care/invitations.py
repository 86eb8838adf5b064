"""The page behind a family invitation link: ``/care-invitations/<coop-slug>/<token>``.

Opening the link changes nothing (mail scanners open links); accepting is a POST from
the signed-in account the invitation was sent to.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.errors import NotFound
from federation.care import service

bp = Blueprint("care_invitations", __name__, url_prefix="/care-invitations",
               template_folder="templates")

_PRIVATE = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


@bp.route("/<slug>/<token>", methods=["GET", "POST"])
def accept(slug: str, token: str):
    """Show the invitation; the signed-in invitee accepts it with the button."""
    try:
        if len(token) > 200:
            raise NotFound()
        if request.method == "POST" and current_user.is_authenticated:
            service.do_accept_family(slug, token, current_user.account)
            flash(_l("You can now see the visits you were invited to see."))
            return redirect(url_for("care.week", slug=slug))
        coop, grant = service.check_family_invitation(slug, token)
    except service.OtherAccount:
        return render_template("care/invitation_unusable.html", other_account=True), 403, _PRIVATE
    except NotFound:
        return render_template("care/invitation_unusable.html", other_account=False), 404, \
            _PRIVATE
    if request.method == "POST":
        return redirect(url_for("accounts.sign_in", next=request.path))
    return render_template("care/invitation.html", coop=coop, grant=grant,
                           next_path=request.path), 200, _PRIVATE

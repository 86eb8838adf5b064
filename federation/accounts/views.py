"""Sign up, sign in and sign out pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import UserMixin, current_user, login_required, login_user, logout_user

from core.errors import ValidationError
from federation.accounts import service
from federation.accounts.forms import SignInForm, SignUpForm
from federation.accounts.models import Account
from federation.extensions import limiter, login_manager
from federation.i18n import safe_next
from tenants.web import note_coop_access, requested_coop_slug

bp = Blueprint("accounts", __name__)


class SignedIn(UserMixin):
    """The signed-in person: their account and the login session token the cookie carries."""

    def __init__(self, account: Account, token: str):
        self.account = account
        self.token = token
        self.id = account.id

    def get_id(self) -> str:
        """Flask-Login stores the login session token, not the account id."""
        return self.token


@login_manager.user_loader
def _load_user(token: str) -> SignedIn | None:
    # On a workspace page the session query also reads the co-op and the role there,
    # which entering the co-op then uses instead of querying again.
    slug = requested_coop_slug()
    loaded = service.load_login_session(token, coop_slug=slug)
    if loaded is None:
        return None
    if slug is not None:
        note_coop_access(slug, loaded.account.id, *loaded.coop_access)
    return SignedIn(loaded.account, token)


# What an anonymous session may carry into the signed-in one: the language, and the
# onboarding draft this browser was filling in (the visitor's own).
KEPT_ON_SIGN_IN = ("locale", "onboarding_token")


def _sign_in(account: Account) -> None:
    """Start a fresh session: drop everything the anonymous session held, then log in."""
    kept = {key: session[key] for key in KEPT_ON_SIGN_IN if key in session}
    session.clear()
    session.update(kept)
    token = service.start_login_session(account, ip=request.remote_addr)
    login_user(SignedIn(account, token))


def _email_key() -> str:
    return "signin:" + service.normalise_email(request.form.get("email", ""))[:254]


@bp.route("/signin", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit("30 per hour", methods=["POST"], key_func=_email_key)
def sign_in():
    """Sign in with email and password."""
    form = SignInForm()
    if form.validate_on_submit():
        account = service.authenticate(form.email.data, form.password.data,
                                       ip=request.remote_addr)
        if account is not None and not account.email_verified:
            service.request_verification(account)
            return render_template("accounts/check_email.html", email=account.email), 200
        if account is not None:
            _sign_in(account)
            return redirect(safe_next(request.args.get("next"), url_for("home.index")))
        form.email.errors.append(_("Email address or password is not right"))
    status = 200 if not form.errors else 400
    return render_template("accounts/sign_in.html", form=form), status


def _signup_email_key() -> str:
    return "signup:" + service.normalise_email(request.form.get("email", ""))[:254]


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNUP_RATE_LIMIT"], methods=["POST"])
@limiter.limit("3 per hour", methods=["POST"], key_func=_signup_email_key)
def sign_up():
    """Create an account; the same answer whether or not the address already has one."""
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            service.request_sign_up(form.email.data, form.display_name.data,
                                    form.password.data, locale=str(session.get("locale", "en")),
                                    ip=request.remote_addr)
        except ValidationError as exc:
            for field, messages in exc.errors.items():
                getattr(form, field).errors.extend(_(m) for m in messages)
        else:
            next_path = request.args.get("next")
            if next_path:
                session["after_verify"] = safe_next(next_path, url_for("home.index"))
            return render_template("accounts/check_email.html",
                                   email=service.normalise_email(form.email.data)), 200
    status = 200 if not form.errors else 400
    return render_template("accounts/sign_up.html", form=form), status


@bp.route("/verify/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def verify_email(token: str):
    """The emailed link: opening it changes nothing (mail scanners open links); the
    button confirms the address."""
    if request.method == "POST":
        account = service.do_verify_email(token, ip=request.remote_addr)
        if account is not None:
            flash(_("Your email address is confirmed. You can now sign in."))
            return redirect(url_for("accounts.sign_in", next=session.pop("after_verify", None)))
    usable = request.method == "GET" and service.verification_usable(token)
    return render_template("accounts/verify.html", usable=usable), 200 if usable else 404


@bp.post("/signout")
@login_required
def sign_out():
    """End this login session."""
    service.end_login_session(current_user.token, current_user.account.id,
                              ip=request.remote_addr)
    logout_user()
    session.clear()
    return redirect(url_for("home.index"))

"""The onboarding wizard: drafts saved step by step, resume links, submitting, and progress.

A draft belongs to whoever holds its resume token (the browser keeps it in its
session; an advisor or the emailed link carries it). Submitting needs an account: in
one transaction it locks the draft, asks for the co-op, records the sharing choices and
any agency grant, and links the draft to the co-op. Provisioning and then applying the
draft inside the new co-op (``federation.onboarding.tasks``) run as jobs afterwards.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select

from core import audit
from core.db import db
from core.errors import Conflict, NotFound, ValidationError
from core.jobs import enqueue_after_commit
from core.registry import Hook
from core.timeutil import as_utc, local_now, utcnow
from federation.onboarding.models import PAGES, STEPS, Draft
from federation.onboarding.schemas import _, clip, read_form, validate_answers
from tenants import provisioning
from tenants.context import store
from tenants.members.defaults import DEFAULT_CLASSES
from tenants.registry.models import Coop, CoopState, CoopType, Membership
from tenants.registry.service import set_sharing
from tenants.store import TenantRef

APPLY_JOB = "federation.onboarding.tasks:apply_draft"
RESUME_MAIL_JOB = "federation.onboarding.tasks:send_resume_link"
# An unfinished draft keeps its slug from other drafts for this long after its last save.
SLUG_HOLD = timedelta(days=30)
# After provisioning, how long before a progress check re-queues a lost apply job.
APPLY_GRACE = timedelta(seconds=15)
TOKEN_MAX = 200
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


# Agencies are kept by ``federation.agencies``, which builds on the wizard (its advisors
# start drafts on groups' behalf), so it answers here (``core.registry.Hook``).
#: The agencies a group may let in: each answer a list of rows with ``id``, ``name`` and
#: ``name_cy``, by name.
AGENCIES = Hook("federation.onboarding.service.AGENCIES", ("federation.agencies.wizard",))
#: Let the agency the group chose see the new co-op, in the submitting transaction: asked
#: with (coop id, agency id) and ``actor_account_id``.
AGENCY_CHOSEN = Hook("federation.onboarding.service.AGENCY_CHOSEN",
                     ("federation.agencies.wizard",))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- drafts and tokens -----------------------------------------------------------------
def start_draft(*, locale: str, advisor_account_id: int | None = None,
                agency_id: int | None = None) -> tuple[Draft, str]:
    """A new, empty draft and its resume token (only the token's hash is stored).

    An advisor starting the wizard on a group's behalf passes their account and agency.
    """
    token = secrets.token_urlsafe(32)
    draft = Draft(locale=locale if locale in ("en", "cy") else "en", data={},
                  step_reached=STEPS[0], token_hash=_hash(token),
                  advisor_account_id=advisor_account_id, agency_id=agency_id)
    db.session.add(draft)
    db.session.flush()
    audit.record(db.session, "onboarding.started", actor_account_id=advisor_account_id,
                 draft_id=draft.id, agency_id=agency_id)
    return draft, token


def resume_path(token: str) -> str:
    """The path of the link that reopens a draft (in a browser, or in an email)."""
    return f"/start/resume/{token}"


def draft_for_token(token: str | None) -> Draft:
    """The draft whose resume token (or last emailed token) this is; NotFound otherwise."""
    if not token or len(token) > TOKEN_MAX:
        raise NotFound()
    digest = _hash(token)
    draft = db.session.scalar(select(Draft).where(
        or_(Draft.token_hash == digest, Draft.mailed_token_hash == digest)))
    if draft is None:
        raise NotFound()
    return draft


def get_draft(draft_id: int) -> Draft:
    """One draft; NotFound if there is none."""
    draft = db.session.get(Draft, draft_id)
    if draft is None:
        raise NotFound()
    return draft


def _open_draft(draft_id: int) -> Draft:
    draft = get_draft(draft_id)
    if draft.submitted_at is not None:
        raise Conflict(_("This application has already been sent."))
    return draft


def can_open(draft: Draft, step: str) -> bool:
    """Whether ``step`` may be shown: every step before it has been reached."""
    return PAGES.index(step) <= PAGES.index(draft.step_reached)


# -- answers ---------------------------------------------------------------------------
def default_classes(coop_type: str) -> list[dict]:
    """The member-class rows the governance step starts from, for ``coop_type``."""
    try:
        defaults = DEFAULT_CLASSES[CoopType(coop_type)]
    except ValueError:
        return []
    return [{"code": d.code, "name_en": d.name_en, "name_cy": d.name_cy,
             "voting": "yes" if d.voting else "no",
             "cap": "" if d.vote_cap_pct is None else f"{d.vote_cap_pct.normalize():f}",
             "min_shares": str(d.min_shares)} for d in defaults]


def step_answers(draft: Draft, step: str) -> dict:
    """What to show on ``step``: the answers as last typed, or the type's defaults."""
    answers = draft.answers(step)
    if step == "governance":
        coop_type = draft.answers("group").get("coop_type", "")
        if not answers.get("classes") or answers.get("type") != coop_type:
            answers = {"classes": default_classes(coop_type), "type": coop_type}
    return answers


def class_choices(draft: Draft, locale: str) -> list[tuple[str, str]]:
    """(code, name) of the member classes on the governance step, for the people step."""
    rows = step_answers(draft, "governance").get("classes", [])
    return [(r["code"], (r.get("name_cy") if locale == "cy" else r.get("name_en"))
             or r.get("name_en") or r["code"]) for r in rows if r.get("code")]


def agencies() -> list:
    """The agencies a group may let in, by name."""
    return [agency for answer in AGENCIES.ask() for agency in answer]


def _with_codes(rows: list[dict]) -> list[dict]:
    """Give each member class a stable code: its own if well-formed, else one from its name."""
    used: set[str] = set()
    out = []
    for row in rows:
        code = row.get("code", "")
        if not _CODE.match(code) or code in used:
            base = re.sub(r"[^a-z0-9]+", "_", row.get("name_en", "").lower()).strip("_")[:32]
            base = base if base[:1].isalpha() else f"class_{base}".rstrip("_")
            code, n = base, 2
            while code in used:
                code, n = f"{base}_{n}", n + 1
        used.add(code)
        out.append({**row, "code": code})
    return out


def _validate(draft: Draft, step: str, answers: dict) -> tuple[dict, dict]:
    codes = [c for c, _name in class_choices(draft, "en")]
    agency_ids = [a.id for a in agencies()] if step == "sharing" else []
    answers = {k: v for k, v in answers.items() if k != "type"}  # not typed: kept by _store
    context = {"coop_type": draft.answers("group").get("coop_type", ""),
               "founders": len(draft.answers("people").get("people") or []),
               "today": local_now().date()}
    cleaned, errors = validate_answers(step, answers, class_codes=codes, agency_ids=agency_ids,
                                       context=context)
    if step == "group" and not errors:
        clash = slug_clash(cleaned["slug"], draft.id)
        if clash is not None:
            errors["slug"] = [clash[0]]
            return cleaned, errors | {"_suggestions": clash[1]}
    return cleaned, errors


def _store(draft: Draft, step: str, answers: dict, valid: bool) -> None:
    data = dict(draft.data or {})
    if step == "governance":
        answers = {**answers, "type": draft.answers("group").get("coop_type", "")}
    data[step] = clip(answers)
    done = [s for s in data.get("done", []) if s != step]
    if valid:
        done.append(step)
    data["done"] = [s for s in STEPS if s in done]
    draft.data = data
    if step == "group":
        draft.slug = (answers.get("slug") or "")[:40] or None


def _read_step(draft_id: int, step: str, form: Mapping) -> tuple[Draft, dict, dict]:
    """The open draft, one step's answers read from ``form``, and their errors (if any)."""
    if step not in STEPS:
        raise NotFound()
    draft = _open_draft(draft_id)
    answers = read_form(step, form, draft.locale)
    if step == "governance":
        answers["classes"] = _with_codes(answers.get("classes", []))
    _cleaned, errors = _validate(draft, step, answers)
    return draft, answers, errors


def save_step(draft_id: int, step: str, form: Mapping) -> Draft:
    """Validate and save one step's answers, and move the draft on to the next step.

    Raises ValidationError mapping each field's id to its messages (in the person's
    language); nothing is saved then. A slug clash also carries ``detail["suggestions"]``.
    """
    draft, answers, errors = _read_step(draft_id, step, form)
    if errors:
        suggestions = errors.pop("_suggestions", [])
        exc = ValidationError(errors)
        exc.detail = {"suggestions": suggestions, "answers": answers}
        raise exc
    _store(draft, step, answers, valid=True)
    following = PAGES[PAGES.index(step) + 1]
    if PAGES.index(following) > PAGES.index(draft.step_reached):
        draft.step_reached = following
    db.session.flush()
    return draft


def keep_step(draft_id: int, step: str, form: Mapping) -> Draft:
    """Save one step's answers as typed, valid or not (Back, "add another", save for later).

    Whether they are valid is remembered, so the review asks for the step again if not.
    """
    draft, answers, errors = _read_step(draft_id, step, form)
    _store(draft, step, answers, valid=not errors)
    db.session.flush()
    return draft


def slug_clash(slug: str, draft_id: int | None = None) -> tuple[str, list[str]] | None:
    """If a co-op or another recent unfinished draft has ``slug``: a message and free slugs."""
    held = set(db.session.scalars(select(Draft.slug).where(
        Draft.slug.is_not(None), Draft.coop_id.is_(None), Draft.id != (draft_id or 0),
        Draft.updated_at > utcnow() - SLUG_HOLD)))
    if slug not in held and not provisioning.slug_taken(db.session, slug):
        return None
    free = [s for s in provisioning.suggest_slugs(db.session, slug, count=10) if s not in held]
    return (_("'%(slug)s' is already taken. Choose another short name, such as one of "
              "these: %(free)s.", slug=slug, free=", ".join(free[:3])), free[:3])


def incomplete_steps(draft: Draft) -> list[str]:
    """The steps whose answers are missing or do not validate now, in order."""
    return [step for step in STEPS if _validate(draft, step, step_answers(draft, step))[1]]


# -- the emailed link ------------------------------------------------------------------
def request_resume_email(draft_id: int, email: str) -> Draft:
    """Remember the group's contact email and queue the "come back later" email to it."""
    from marshmallow import ValidationError as SchemaError
    from marshmallow import fields

    draft = _open_draft(draft_id)
    email = (email or "").strip()
    if not email:
        raise ValidationError({"contact_email": [_("Enter an email address.")]})
    if len(email) > 254 or "\x00" in email:
        raise ValidationError({"contact_email": [_(
            "The email address must be 254 characters or fewer.")]})
    try:
        fields.Email().deserialize(email)
    except SchemaError:
        raise ValidationError({"contact_email": [_(
            "Enter an email address in the right form, like name@example.org.")]}) from None
    draft.contact_email = email.lower()
    draft.mail_requested_at = utcnow()
    audit.record(db.session, "onboarding.resume_link_requested", draft_id=draft.id)
    db.session.flush()
    enqueue_resume_email(draft)
    return draft


def request_stamp(draft: Draft) -> int:
    """The latest request for a resume email, as microseconds since the epoch: with the
    draft's id, the email's idempotency key (each request is its own email, once)."""
    return (as_utc(draft.mail_requested_at) - _EPOCH) // timedelta(microseconds=1)


def enqueue_resume_email(draft: Draft) -> None:
    """Queue the email for the draft's latest request (after commit; ids only). The
    request itself is in the draft's row, so the sweeper queues it again if Redis loses it."""
    stamp = request_stamp(draft)
    enqueue_after_commit(db.session, RESUME_MAIL_JOB, draft.id, stamp, queue="default",
                         job_id=f"onboarding-resume-{draft.id}-{stamp}")


def issue_resume_token(draft_id: int, *, requested: int | None = None,
                       ) -> tuple[Draft, str] | None:
    """Make the token for the emailed link and store its hash; None if nothing is due.

    With ``requested`` (the sender holds that request's email claim), nothing is due once
    the draft is submitted or a later request supersedes it; without, once it was mailed.
    Earlier emailed links stop working. The caller commits before sending.
    """
    draft = db.session.get(Draft, draft_id, populate_existing=True)
    if draft is None or draft.submitted_at is not None or not draft.contact_email \
            or draft.mail_requested_at is None:
        return None
    if requested is not None:
        if request_stamp(draft) != requested:
            return None
    elif draft.mailed_at is not None and as_utc(draft.mailed_at) >= as_utc(
            draft.mail_requested_at):
        return None
    token = secrets.token_urlsafe(32)
    draft.mailed_token_hash = _hash(token)
    draft.mailed_at = utcnow()
    audit.record(db.session, "onboarding.resume_link_sent", draft_id=draft.id)
    db.session.flush()
    return draft, token


# -- submitting ------------------------------------------------------------------------
def submit(draft_id: int, *, account_id: int) -> Coop:
    """Ask for the co-op the draft describes, with ``account_id`` as its first admin.

    Idempotent: the draft row is locked first, so a second submit (another tab, a
    double click) waits, then finds the co-op the first one made and returns it.
    """
    draft = db.session.scalar(select(Draft).where(Draft.id == draft_id).with_for_update()
                              .execution_options(populate_existing=True))
    if draft is None:
        raise NotFound()
    if draft.coop_id is not None:
        return db.session.get(Coop, draft.coop_id)
    missing = incomplete_steps(draft)
    if missing:
        exc = ValidationError({"review": [_("Some answers are missing or need changing.")]})
        exc.detail = {"steps": missing}
        raise exc
    group, where = draft.answers("group"), draft.answers("where")
    sharing = draft.answers("sharing")
    # The registry's name is the English one when there is one; a group named only in
    # Welsh is known by its Welsh name in both languages.
    name_cy = (group.get("name_cy") or "").strip() or None
    values = {"name": (group.get("name") or "").strip() or name_cy, "name_cy": name_cy,
              "slug": group["slug"].strip(), "type": group["coop_type"],
              "la": where.get("home_la") or where["las"][0], "default_locale": draft.locale}
    if provisioning.slug_taken(db.session, values["slug"]):
        message, _free = slug_clash(values["slug"], draft.id)
        raise ValidationError({"slug": [message]})
    coop = provisioning.request_coop(values, admin_account_id=account_id,
                                     actor_account_id=account_id)
    set_sharing(coop.id, actor_account_id=account_id,
                shares_statistics=sharing["statistics"] == "yes",
                joins_worker_pool=sharing["worker_pool"] == "yes")
    agency_id = None if sharing["agency"] == "none" else int(sharing["agency"])
    if agency_id is not None:
        AGENCY_CHOSEN.ask(coop.id, agency_id, actor_account_id=account_id)
    draft.coop_id = coop.id
    draft.submitted_at = utcnow()
    draft.contact_email = None  # no more links to send
    draft.step_reached = "review"
    audit.record(db.session, "onboarding.submitted", actor_account_id=account_id,
                 coop_id=coop.id, draft_id=draft.id, agency_id=agency_id,
                 advisor_account_id=draft.advisor_account_id,
                 shares_statistics=sharing["statistics"] == "yes",
                 joins_worker_pool=sharing["worker_pool"] == "yes")
    enqueue_apply(draft)
    db.session.flush()
    return coop


def mark_applied(draft: Draft) -> None:
    """Record that the draft is in its co-op, and forget the founders' personal details.

    Their names, emails and addresses now live in the co-op's own register, and the
    registered services' people in its legal position; the federation keeps only the
    legal form and how many there were.
    """
    data = dict(draft.data or {})
    people = data.get("people") or {}
    data["people"] = {"count": len(people.get("people", []))}
    legal = data.get("legal") or {}
    data["legal"] = {"legal_form": legal.get("legal_form"),
                     "ciw_services": len(legal.get("ciw", []))}
    draft.data = data
    draft.applied_at = utcnow()
    db.session.flush()


def enqueue_apply(draft: Draft) -> None:
    """Queue the job that applies the draft inside its co-op, after this transaction."""
    enqueue_after_commit(db.session, APPLY_JOB, draft.coop_id, draft.id, queue="provisioning",
                         job_id=f"onboarding-apply-{draft.id}")


def may_follow(draft: Draft, *, account_id: int | None, token: str | None) -> bool:
    """Whether this person may watch (and retry) the draft's progress.

    The holder of the draft's token may, and so may the co-op's first admin and the
    advisor who started the draft.
    """
    if token:
        try:
            if draft_for_token(token).id == draft.id:
                return True
        except NotFound as exc:
            exc.tolerate()  # a stale token: the account may still follow the draft
    if account_id is None or draft.coop_id is None:
        return False
    if draft.advisor_account_id == account_id:
        return True
    coop = db.session.get(Coop, draft.coop_id)
    return coop is not None and coop.first_admin_account_id == account_id


def retry(draft_id: int, *, account_id: int | None) -> Coop:
    """Queue provisioning again for the SAME co-op after a failure, and the apply job."""
    draft = db.session.scalar(select(Draft).where(Draft.id == draft_id).with_for_update()
                              .execution_options(populate_existing=True))
    if draft is None or draft.coop_id is None:
        raise NotFound()
    coop = db.session.scalar(select(Coop).where(Coop.id == draft.coop_id).with_for_update()
                             .execution_options(populate_existing=True))
    if coop.state == CoopState.FAILED:
        # Waiting again: the apply job queued beside it then waits instead of giving up.
        coop.state, coop.state_reason = CoopState.PENDING, None
        provisioning.enqueue_provisioning(coop)
    elif coop.state != CoopState.ACTIVE or draft.applied_at is not None:
        raise Conflict(_("There is nothing to try again."))
    audit.record(db.session, "onboarding.retried", actor_account_id=account_id,
                 coop_id=coop.id, draft_id=draft.id, state=str(coop.state))
    enqueue_apply(draft)
    db.session.flush()
    return coop


# -- progress --------------------------------------------------------------------------
@dataclass(frozen=True)
class Progress:
    """Where a submitted draft stands: the co-op's state, the stages done, and a percentage."""

    state: str
    stages: list[tuple[str, str, bool]]
    percent: int
    ready: bool
    failed: bool
    coop_slug: str

    def as_json(self) -> dict:
        """The status endpoint's body."""
        return {"state": self.state, "percent": self.percent, "ready": self.ready,
                "failed": self.failed, "stages": [
                    {"code": code, "label": label, "done": done}
                    for code, label, done in self.stages]}


def progress(draft: Draft) -> Progress:
    """What can be observed of provisioning (see ``tenants.provisioning.STEPS``) and applying.

    Read-only, except that a draft whose co-op has been active for a while without the
    draft applied gets its apply job queued again (a lost job is found this way).
    """
    coop = db.session.get(Coop, draft.coop_id)
    if coop is None:
        raise NotFound()
    active = coop.state in (CoopState.ACTIVE, CoopState.SUSPENDED)
    admin_in = active or db.session.scalar(select(Membership.id).where(
        Membership.coop_id == coop.id,
        Membership.account_id == coop.first_admin_account_id)) is not None
    stored = admin_in or (coop.state != CoopState.PENDING
                          and store().store_exists(TenantRef(coop.id, coop.slug)))
    applied = draft.applied_at is not None
    stages = [
        ("requested", _("Request received"), True),
        ("store", _("Space for your records created"), stored),
        ("defaults", _("Member classes and first admin set up"), admin_in),
        ("active", _("Workspace switched on"), active),
        ("applied", _("Your answers and invitations added"), applied),
    ]
    if active and not applied and coop.provisioned_at is not None \
            and utcnow() - as_utc(coop.provisioned_at) > APPLY_GRACE:
        enqueue_apply(draft)
    done = sum(1 for *_rest, ok in stages if ok)
    return Progress(str(coop.state), stages, round(100 * done / len(stages)),
                    ready=active and applied, failed=coop.state == CoopState.FAILED,
                    coop_slug=coop.slug)

"""The demo federation: co-ops of different types across Wales, and a person for every role."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from datetime import date

from flask import current_app
from sqlalchemy import func, select

from core.db import db
from federation.accounts.service import account_by_email, do_sign_up
from federation.agencies.models import Agency, AgencyAdvisor
from federation.coops.service import check_create_coop
from federation.regional.models import AnalystGrant
from tenants.context import bind_tenant, finish_tenant_session, tenant_session
from tenants.features import FEATURES
from tenants.provisioning import UNFINISHED, provision_unfinished
from tenants.registry.models import Coop, Membership, Role
from tenants.store import TenantRef

DEMO_PASSWORD = "coopfed-demo-2026"
# Seeded after the co-ops' workspaces, in this order. Each module's ``seed(today)`` is
# idempotent and returns any further (role, email) pairs to print.
SHARED_DEMOS = (
    "federation.agencies.demo",
    "services.pool.demo",
    "services.lending.demo",
    "services.stats.demo",
    "federation.regional.demo",
)
DOMAIN = "demo.coopfed.cymru"

COOPS = (
    dict(slug="gofal-gwynedd", name="Gwynedd Care Workers' Co-op",
         name_cy="Cydweithfa Gweithwyr Gofal Gwynedd", type="worker", la="W06000002",
         default_locale="cy", admin=("Ceri Hughes", "ceri")),
    dict(slug="cardiff-dp-circle", name="Cardiff Direct Payment Circle",
         name_cy="Cylch Taliadau Uniongyrchol Caerdydd", type="dp_pool", la="W06000015",
         default_locale="en", admin=("Amira Khan", "amira")),
    dict(slug="powys-elders", name="Powys Elders Together", name_cy="Henoed Powys Gyda'n Gilydd",
         type="multi_stakeholder", la="W06000023", default_locale="en",
         admin=("Gareth Price", "gareth")),
    dict(slug="caerphilly-foster", name="Caerphilly Foster Carers' Co-op",
         name_cy="Cydweithfa Gofalwyr Maeth Caerffili", type="foster", la="W06000018",
         default_locale="en", admin=("Jo Evans", "jo")),
)


def _person(local: str, name: str, **extra):
    email = f"{local}@{DOMAIN}"
    account = account_by_email(email)
    if account is None:
        account = do_sign_up(email, name, DEMO_PASSWORD, email_verified=True, **extra)
    return account


def _quiet(_message: str) -> None:
    """No progress report."""


def resume_lost_work() -> int:
    """Queue again what an interrupted run left unfinished; returns how many co-ops.

    A run stopped (Ctrl-C) after a co-op was requested but before its provisioning job
    ran leaves the co-op pending, and its in-process job died with the process. The
    provisioning job is idempotent, so queueing it again finishes the co-op
    (``provision_unfinished``); the outbox sweep does the same for events not relayed.
    """
    from services.outbox.service import sweep

    unfinished = db.session.scalar(select(func.count(Coop.id)).where(
        Coop.state.in_(UNFINISHED)))
    db.session.commit()
    provision_unfinished()
    sweep()
    db.session.commit()
    current_app.extensions["coopfed.jobs"].drain()
    return unfinished


def seed_demo(progress: Callable[[str], None] = _quiet) -> list[tuple[str, str]]:
    """Create the demo federation unless it exists; returns (role, email) for each person.

    Every step is idempotent and an interrupted run is finished by the next one, which
    ends with the same records as a run that was never interrupted. ``progress`` is told
    what is happening (``coopfed demo`` prints it).
    """
    people: list[tuple[str, str]] = []
    resumed = resume_lost_work()
    if resumed:
        progress(f"finished {resumed} co-op(s) an interrupted run had left half set up")
    progress("people and co-ops")
    admin = _person("admin", "Federation Admin", is_federation_admin=True)
    people.append(("federation admin", admin.email))
    for spec in COOPS:
        name, local = spec["admin"]
        account = _person(local, name, locale=spec["default_locale"])
        people.append((f"admin of {spec['name']}", account.email))
        if db.session.scalar(select(Coop.id).where(Coop.slug == spec["slug"])) is None:
            data = {k: spec[k] for k in ("slug", "name", "name_cy", "type", "la",
                                         "default_locale")}
            check_create_coop(dict(data, admin_email=account.email),
                              actor_account_id=admin.id)
            progress(f"requested co-op {spec['slug']}")
    sam = _person("sam", "Sam Morgan", locale="cy")
    people.append(("care worker in Gwynedd and member in Powys", sam.email))
    advisor = _person("advisor", "Rhian Davies")
    people.append(("agency advisor (Cwmpas)", advisor.email))
    analyst = _person("analyst", "Owen Jones")
    people.append(("regional analyst (Gwent RPB)", analyst.email))
    agency = db.session.scalar(select(Agency).where(Agency.name == "Cwmpas"))
    if agency is None:
        # Cwmpas was the Wales Co-operative Centre until 2022.
        agency = Agency(name="Cwmpas", name_cy="Cwmpas")
        db.session.add(agency)
        db.session.flush()
        db.session.add(AgencyAdvisor(agency_id=agency.id, account_id=advisor.id))
        db.session.add(AnalystGrant(account_id=analyst.id, area_kind="rpb", area="gwent"))
    db.session.commit()
    progress("setting up the co-ops' stores (jobs)")
    provision_unfinished(progress=progress)
    _add_member(sam.id, "gofal-gwynedd", Role.WORKER)
    _add_member(sam.id, "powys-elders", Role.MEMBER)
    db.session.commit()
    coops = db.session.scalars(select(Coop).where(Coop.slug.in_(
        [spec["slug"] for spec in COOPS]))).all()
    db.session.commit()  # end the read: on SQLite an open transaction holds the write lock
    for number, coop in enumerate(coops, start=1):
        progress(f"workspace {number}/{len(coops)}: {coop.slug}")
        seed_workspace(coop)
    for number, module in enumerate(SHARED_DEMOS, start=1):
        progress(f"shared service {number}/{len(SHARED_DEMOS)}: {module}")
        people.extend(importlib.import_module(module).seed(date.today()) or [])
        db.session.commit()
    progress("done")
    return people


def seed_workspace(coop: Coop, today: date | None = None) -> None:
    """Give a co-op plausible records: each feature's ``demo.seed``, in dependency order.

    Every seed is idempotent, so running the demo again adds nothing.
    """
    today = today or date.today()
    with current_app.app_context():  # a context of its own, as a job has
        bind_tenant(TenantRef(coop.id, coop.slug))
        session = tenant_session()
        try:
            for feature in FEATURES:
                if importlib.util.find_spec(f"{feature}.demo") is None:
                    continue
                importlib.import_module(f"{feature}.demo").seed(session, coop.coop_type, today)
                session.flush()
            finish_tenant_session(commit=True)
        except BaseException:
            finish_tenant_session(commit=False)
            raise


def _add_member(account_id: int, slug: str, role: Role) -> None:
    coop_id = db.session.scalar(select(Coop.id).where(Coop.slug == slug))
    exists = db.session.scalar(select(Membership.id).where(
        Membership.coop_id == coop_id, Membership.account_id == account_id))
    if exists is None:
        db.session.add(Membership(coop_id=coop_id, account_id=account_id, role=role))

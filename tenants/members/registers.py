"""The society's statutory registers, exported together (CCBS Act 2014 s.30).

The register of members (name, address, date admitted, date ceased, shares held and
amount paid) and the register of officers (name, office, date appointed, date ended),
in Welsh or English, as CSV and as a printable page. Only the register's keepers
(admins and coordinators) export it; each export is audited.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from flask_babel import force_locale, gettext
from sqlalchemy import select

from core.csvsafe import safe_cell
from core.registry import Hook
from tenants.audit.service import record
from tenants.members.models import Member
from tenants.members.shares import holdings
from tenants.store import TenantSession

LOCALES = ("en", "cy")


@dataclass(frozen=True)
class MemberRow:
    """One entry in the register of members."""

    name: str
    address: str
    admitted: date
    ceased: date | None
    shares: int
    amount_paid_pence: int


@dataclass(frozen=True)
class OfficerRow:
    """One entry in the register of officers."""

    name: str
    office: str
    appointed: date
    ended: date | None


@dataclass(frozen=True)
class SocietyRegisters:
    """Both registers; ``officers`` is None where this build has no register of officers."""

    locale: str
    members: list[MemberRow]
    officers: list[OfficerRow] | None


#: The register of officers is kept by ``tenants.officers``, which builds on the members'
#: register and so answers here rather than being imported (``core.registry.Hook``).
OFFICER_REGISTER = Hook("tenants.members.registers.OFFICER_REGISTER",
                        ("tenants.officers.service",))


def _officers() -> list[OfficerRow] | None:
    """The register of officers' rows, or None where no package keeps one."""
    answers = OFFICER_REGISTER.ask()
    return answers[0] if answers else None


def read_registers(session: TenantSession, locale: str, *,
                   actor_account_id: int | None) -> SocietyRegisters:
    """Both registers for the printable page; reading them is audited (they hold addresses)."""
    registers = society_registers(session, locale)
    record(session, "member.registers_read", actor_account_id=actor_account_id, locale=locale)
    return registers


def society_registers(session: TenantSession, locale: str) -> SocietyRegisters:
    """Both registers, former members and officers included, labels in ``locale``."""
    members = session.scalars(select(Member).order_by(Member.joined_on, Member.id)).all()
    held = holdings(session, [m.id for m in members])
    rows = [MemberRow(m.display_name, m.postal_address or "", m.joined_on, m.left_on,
                      m.shares_held, held[m.id].amount_paid_pence if m.id in held else 0)
            for m in members]
    with force_locale(locale):
        officers = _officers()
    return SocietyRegisters(locale, rows, officers)


def pounds(pence: int) -> str:
    """Pence as pounds with two decimals, e.g. 150 → 1.50."""
    return f"{pence // 100}.{pence % 100:02d}"


def parse_pounds(text: str) -> int | None:
    """"10", "10.5" or "£10.50" as pence; None if it is not an amount."""
    text = text.strip().lstrip("£").replace(",", "")
    whole, _dot, fraction = text.partition(".")
    if not (text.isascii() and whole.isdigit() and len(whole) <= 12) or (
            fraction and not (fraction.isdigit() and len(fraction) <= 2)):
        return None
    return int(whole) * 100 + int((fraction or "0").ljust(2, "0"))


def registers_csv(session: TenantSession, locale: str, *,
                  actor_account_id: int | None) -> str:
    """Both registers as one CSV: a titled section each, headers in ``locale``."""
    registers = society_registers(session, locale)
    out = io.StringIO()
    writer = csv.writer(out)
    with force_locale(locale):
        writer.writerow([gettext("Register of members")])
        writer.writerow([gettext("Name"), gettext("Address"), gettext("Date admitted"),
                         gettext("Date ceased"), gettext("Shares held"),
                         gettext("Amount paid (£)")])
        for m in registers.members:
            writer.writerow([safe_cell(m.name), safe_cell(m.address), m.admitted.isoformat(),
                             m.ceased.isoformat() if m.ceased else "", m.shares,
                             pounds(m.amount_paid_pence)])
        writer.writerow([])
        writer.writerow([gettext("Register of officers")])
        if registers.officers is None:
            writer.writerow([gettext("The register of officers is not kept in coopfed yet.")])
        else:
            writer.writerow([gettext("Name"), gettext("Office"), gettext("Date appointed"),
                             gettext("Date ended")])
            for o in registers.officers:
                writer.writerow([safe_cell(o.name), o.office, o.appointed.isoformat(),
                                 o.ended.isoformat() if o.ended else ""])
    record(session, "member.registers_exported", actor_account_id=actor_account_id,
           locale=locale, members=len(registers.members),
           officers=None if registers.officers is None else len(registers.officers))
    return out.getvalue()

"""Demo register: plausible members, with Welsh and English names, in the co-op's classes."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from tenants.members.models import Member, MemberClass
from tenants.members.shares import settle_opening

NAMES = (
    "Angharad Pritchard", "Rhys ap Dafydd", "Megan Thomas", "Tomos Llywelyn", "Sarah Clarke",
    "Iolo Morgan", "Ffion Roberts", "David Hughes", "Carys Williams", "James Cooper",
    "Nia Griffiths", "Owain Jenkins", "Lowri Evans", "Peter Walsh", "Elin Parry",
    "Gethin Lewis", "Hannah Bowen", "Aled Rowlands", "Bethan Howells", "Mark Davies",
)
STREETS = ("Stryd Fawr", "Heol y Bont", "Ffordd yr Orsaf", "Church Street", "Maes y Llan")


def seed(session, coop_type: str, today: date) -> None:
    """Add about twenty members across the co-op's classes, unless there are members already.

    ``coop_type`` is not needed: the classes seeded at provisioning already reflect it.
    """
    del coop_type
    if session.scalar(select(func.count(Member.id))):
        return
    classes = list(session.scalars(select(MemberClass).order_by(MemberClass.id)))
    if not classes:
        return
    for n, name in enumerate(NAMES):
        # Most people in the first (main) class, the rest spread over the others.
        member_class = classes[0] if n % 3 else classes[(n // 3) % len(classes)]
        member = Member(
            display_name=name,
            # Every fifth member is not online: notice by letter, votes given on paper.
            email=None if n % 5 == 4 else f"{name.lower().replace(' ', '.')}@example.org",
            postal_address=f"{n + 1} {STREETS[n % len(STREETS)]}\nCymru",
            joined_on=today - timedelta(days=30 * (n + 3)),
            left_on=today - timedelta(days=20) if n == len(NAMES) - 1 else None,
            shares_held=max(member_class.min_shares, 1 + n % 3))
        member.classes = [member_class]
        session.add(member)
        session.flush()
        settle_opening(session, member, member.shares_held, on=member.joined_on,
                       actor_account_id=None, note="Held on admission")
    session.flush()

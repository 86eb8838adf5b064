"""Share capital: applications, committee approval, payment, allotment and withdrawal.

A member's shareholding and the amount they have paid derive from their share
transactions (CCBS Act 2014 s.30 asks the register for both). ``Member.shares_held``
is kept equal to the derived holding in the same transaction, so the register and the
vote rules read one column. A change to ``shares_held`` made in the register itself is
recorded as a correcting transaction, so the derivation still holds.

Withdrawal follows the co-op's rules: the committee approves it, and what remains must
be at least the minimum shareholding of the member's classes, unless the member
withdraws everything (and so ceases to be a member). Amounts are in pence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select

from core.errors import Conflict, NotFound, ValidationError
from tenants.audit.service import record
from tenants.members.models import Member, ShareTransaction
from tenants.members.service import _, get_member
from tenants.settings_models import CoopSetting
from tenants.store import TenantSession

DEFAULT_SHARE_VALUE_PENCE = 100  # £1 shares, the usual value in a co-op's model rules


def share_value_pence(session: TenantSession) -> int:
    """The nominal value of one share, from the co-op's rules (default £1)."""
    setting = session.get(CoopSetting, "share_value_pence")
    return DEFAULT_SHARE_VALUE_PENCE if setting is None else int(setting.value)


@dataclass(frozen=True)
class Holding:
    """A member's shares and the amount paid on them, derived from their transactions."""

    shares: int
    amount_paid_pence: int


def holdings(session: TenantSession, member_ids: list[int] | None = None) -> dict[int, Holding]:
    """Each member's holding from their allotted applications less completed withdrawals."""
    sign = case((ShareTransaction.kind == "withdrawal", -1), else_=1)
    settled = ShareTransaction.state.in_(("allotted", "completed"))
    stmt = (select(ShareTransaction.member_id,
                   func.coalesce(func.sum(sign * ShareTransaction.shares), 0),
                   func.coalesce(func.sum(sign * ShareTransaction.amount_pence), 0))
            .where(settled).group_by(ShareTransaction.member_id))
    if member_ids is not None:
        stmt = stmt.where(ShareTransaction.member_id.in_(member_ids))
    return {row[0]: Holding(int(row[1]), int(row[2])) for row in session.execute(stmt)}


def holding(session: TenantSession, member_id: int) -> Holding:
    """One member's holding."""
    return holdings(session, [member_id]).get(member_id, Holding(0, 0))


def transactions(session: TenantSession, member_id: int) -> list[ShareTransaction]:
    """A member's share account, oldest first."""
    return list(session.scalars(select(ShareTransaction).where(
        ShareTransaction.member_id == member_id).order_by(ShareTransaction.id)))


def get_transaction(session: TenantSession, transaction_id: int) -> ShareTransaction:
    """One share transaction; NotFound if it is not this co-op's."""
    found = session.get(ShareTransaction, transaction_id)
    if found is None:
        raise NotFound(_("No such share transaction."))
    return found


def _sync(session: TenantSession, member: Member) -> None:
    session.flush()
    member.shares_held = holding(session, member.id).shares
    session.flush()


def _audit(session: TenantSession, action: str, tx: ShareTransaction,
           actor_account_id: int | None) -> None:
    record(session, action, actor_account_id=actor_account_id, subject_type="member",
           subject_id=tx.member_id, transaction_id=tx.id, kind=tx.kind, shares=tx.shares,
           state=tx.state, amount_pence=tx.amount_pence)


def _shares(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= 1_000_000_000:
        raise ValidationError({"shares": [_("Enter a whole number of shares, 1 or more.")]})
    return value


def settle_opening(session: TenantSession, member: Member, shares: int, *, on: date,
                   actor_account_id: int | None, note: str) -> ShareTransaction | None:
    """Record shares a member holds on being added to the register, or a correction to
    the register's figure, as a settled transaction at nominal value."""
    if shares == 0:
        return None
    kind = "application" if shares > 0 else "withdrawal"
    tx = ShareTransaction(member_id=member.id, kind=kind, shares=abs(shares),
                          state="allotted" if kind == "application" else "completed",
                          amount_pence=abs(shares) * share_value_pence(session),
                          applied_on=on, approved_on=on, settled_on=on,
                          paid_on=on if kind == "application" else None,
                          approved_by_account_id=actor_account_id, note=note)
    session.add(tx)
    session.flush()
    _audit(session, "shares.recorded", tx, actor_account_id)
    return tx


def apply_for_shares(session: TenantSession, member_id: int, shares: int, *, applied_on: date,
                     actor_account_id: int | None) -> ShareTransaction:
    """A member applies for more shares; the committee approves it next."""
    member = get_member(session, member_id)
    tx = ShareTransaction(member_id=member.id, kind="application", state="applied",
                          shares=_shares(shares), amount_pence=0, applied_on=applied_on)
    session.add(tx)
    session.flush()
    _audit(session, "shares.applied", tx, actor_account_id)
    return tx


def request_withdrawal(session: TenantSession, member_id: int, shares: int, *,
                       applied_on: date, actor_account_id: int | None) -> ShareTransaction:
    """A member asks to withdraw shares; the committee approves it under the rules."""
    member = get_member(session, member_id)
    shares = _shares(shares)
    pending = session.scalar(select(func.coalesce(func.sum(ShareTransaction.shares), 0)).where(
        ShareTransaction.member_id == member.id, ShareTransaction.kind == "withdrawal",
        ShareTransaction.state.in_(("applied", "approved")))) or 0
    if shares + pending > member.shares_held:
        raise ValidationError({"shares": [_(
            "The member holds %(held)s shares, %(pending)s of them already being withdrawn.",
            held=member.shares_held, pending=pending)]})
    tx = ShareTransaction(member_id=member.id, kind="withdrawal", state="applied",
                          shares=shares, amount_pence=0, applied_on=applied_on)
    session.add(tx)
    session.flush()
    _audit(session, "shares.withdrawal_requested", tx, actor_account_id)
    return tx


def stage_label(state: str) -> str:
    """A transaction's stage in words."""
    return {"applied": _("Applied"), "approved": _("Approved by the committee"),
            "paid": _("Paid"), "allotted": _("Allotted"), "completed": _("Repaid"),
            "refused": _("Refused")}[state]


def _move(tx: ShareTransaction, expected: str, to: str) -> None:
    if tx.state != expected:
        raise Conflict(_("This share transaction is at the stage “%(state)s”, so it cannot "
                         "move to “%(to)s” now.", state=stage_label(tx.state),
                         to=stage_label(to)))
    tx.state = to


def approve(session: TenantSession, transaction_id: int, *, approved_on: date,
            actor_account_id: int) -> ShareTransaction:
    """The committee approves an application or a withdrawal.

    A withdrawal must leave at least the minimum shareholding of the member's classes,
    unless it withdraws every share.
    """
    tx = get_transaction(session, transaction_id)
    if tx.kind == "withdrawal":
        member = get_member(session, tx.member_id)
        remaining = member.shares_held - tx.shares
        needed = max((c.min_shares for c in member.classes), default=0)
        if 0 < remaining < needed:
            raise Conflict(_(
                "The co-op's rules need members of this class to hold at least %(count)s "
                "shares. Withdraw fewer, or all of them (the member then ceases to be a "
                "member).", count=needed))
    _move(tx, "applied", "approved")
    tx.approved_on, tx.approved_by_account_id = approved_on, actor_account_id
    session.flush()
    _audit(session, "shares.approved", tx, actor_account_id)
    return tx


def refuse(session: TenantSession, transaction_id: int, *,
           actor_account_id: int) -> ShareTransaction:
    """The committee refuses an application or a withdrawal."""
    tx = get_transaction(session, transaction_id)
    if tx.state not in ("applied", "approved"):
        raise Conflict(_("This share transaction is at the stage “%(state)s”, so it cannot "
                         "be refused now.", state=stage_label(tx.state)))
    tx.state = "refused"
    session.flush()
    _audit(session, "shares.refused", tx, actor_account_id)
    return tx


def record_payment(session: TenantSession, transaction_id: int, amount_pence: int, *,
                   paid_on: date, actor_account_id: int | None) -> ShareTransaction:
    """Record the money paid for approved shares (up to their nominal value)."""
    tx = get_transaction(session, transaction_id)
    if tx.kind != "application":
        raise Conflict(_("Only an application for shares is paid for."))
    nominal = tx.shares * share_value_pence(session)
    if not isinstance(amount_pence, int) or not 0 < amount_pence <= nominal:
        raise ValidationError({"amount_pence": [_(
            "Enter the amount paid in pence: more than 0 and at most %(nominal)s.",
            nominal=nominal)]})
    _move(tx, "approved", "paid")
    tx.amount_pence, tx.paid_on = amount_pence, paid_on
    session.flush()
    _audit(session, "shares.paid", tx, actor_account_id)
    return tx


def allot(session: TenantSession, transaction_id: int, *, allotted_on: date,
          actor_account_id: int | None) -> ShareTransaction:
    """Allot paid-for shares: they join the member's holding."""
    tx = get_transaction(session, transaction_id)
    _move(tx, "paid", "allotted")
    tx.settled_on = allotted_on
    _sync(session, get_member(session, tx.member_id))
    _audit(session, "shares.allotted", tx, actor_account_id)
    return tx


def complete_withdrawal(session: TenantSession, transaction_id: int, repaid_pence: int, *,
                        completed_on: date, actor_account_id: int | None) -> ShareTransaction:
    """Repay approved withdrawn shares: they leave the member's holding.

    Withdrawing every share ends the membership on that day.
    """
    tx = get_transaction(session, transaction_id)
    if tx.kind != "withdrawal":
        raise Conflict(_("Only a withdrawal is completed by repaying it."))
    if not isinstance(repaid_pence, int) or repaid_pence < 0:
        raise ValidationError({"amount_pence": [_("Enter the amount repaid in pence.")]})
    _move(tx, "approved", "completed")
    tx.amount_pence, tx.settled_on = repaid_pence, completed_on
    member = get_member(session, tx.member_id)
    _sync(session, member)
    if member.shares_held == 0 and member.left_on is None:
        member.left_on = max(completed_on, member.joined_on)
    session.flush()
    _audit(session, "shares.withdrawn", tx, actor_account_id)
    return tx

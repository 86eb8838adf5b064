"""Reminders of the society's yearly duties: the AGM and the FCA annual return.

The duties are rules as data, each with its source and the date it took effect. A
reminder is due at three stages: 60 days before the deadline, 14 days before, and once
it has passed. Only the latest stage reached is sent, and each (duty, year end, stage)
is sent once: a row in ``society_reminders`` claims it, so the periodic job can run as
often as it likes. An AGM reminder is not sent once an annual general meeting is
called for a date between the year end and the deadline.

Settings (the co-op's rules): ``financial_year_end`` ("MM-DD", default "12-31") and
``agm_within_months`` (default 6).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import formatting
from tenants.audit.service import record
from tenants.governance.models import GeneralMeeting, SocietyReminder
from tenants.settings_models import CoopSetting
from tenants.store import TenantSession


@dataclass(frozen=True)
class Duty:
    """A yearly duty: how many months after the year end it is due, and where that is from."""

    kind: str
    months: int
    source: str
    source_cy: str
    effective_from: date
    months_setting: str | None = None

    def source_in(self, locale: str) -> str:
        """Where the duty comes from, in ``locale``."""
        return self.source_cy if locale == "cy" else self.source


DUTIES = (
    Duty("fca_return", 7,
         "Co-operative and Community Benefit Societies Act 2014 s.89: the annual return "
         "and accounts go to the FCA within 7 months of the year end "
         "(wales-care-rules.md §6)",
         "Deddf Cymdeithasau Cydweithredol a Chymdeithasau Budd Cymunedol 2014 a.89: mae'r "
         "ffurflen flynyddol a'r cyfrifon yn mynd i'r FCA o fewn 7 mis i ddiwedd y "
         "flwyddyn", date(2014, 8, 1)),
    Duty("agm", 6,
         "The society's registered rules: the annual general meeting is held within the "
         "months after the year end the rules set (setting agm_within_months)",
         "Rheolau cofrestredig y gymdeithas: cynhelir y cyfarfod cyffredinol blynyddol o "
         "fewn y nifer o fisoedd ar ôl diwedd y flwyddyn y mae'r rheolau'n ei bennu",
         date(2014, 8, 1), months_setting="agm_within_months"),
)
STAGES = (("early", 60), ("final", 14), ("overdue", 0))
DEFAULT_YEAR_END = "12-31"


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, kept within the month (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _setting(session: TenantSession, key: str, default):
    setting = session.get(CoopSetting, key)
    return default if setting is None or setting.value in (None, "") else setting.value


def latest_year_end(session: TenantSession, today: date) -> date:
    """The most recent financial year end on or before ``today``."""
    month, day = (int(part) for part in str(
        _setting(session, "financial_year_end", DEFAULT_YEAR_END)).split("-"))
    for year in (today.year, today.year - 1):
        end = date(year, month, min(day, calendar.monthrange(year, month)[1]))
        if end <= today:
            return end
    raise ValueError("unreachable: last year's year end is always in the past")


@dataclass(frozen=True)
class DueReminder:
    """A reminder to send: the duty, the year end it is for, the stage and the deadline."""

    duty: Duty
    year_end: date
    stage: str
    due_on: date


def _agm_called(session: TenantSession, year_end: date, due_on: date) -> bool:
    start = datetime.combine(year_end, time.min, tzinfo=UTC)
    end = datetime.combine(due_on + timedelta(days=1), time.min, tzinfo=UTC)
    return session.scalar(select(GeneralMeeting.id).where(
        GeneralMeeting.kind == "annual", GeneralMeeting.held_at >= start,
        GeneralMeeting.held_at < end)) is not None


def due_reminders(session: TenantSession, today: date) -> list[DueReminder]:
    """The reminders whose latest stage has been reached and not yet sent."""
    year_end = latest_year_end(session, today)
    due: list[DueReminder] = []
    for duty in DUTIES:
        if today < duty.effective_from:
            continue
        months = int(_setting(session, duty.months_setting, duty.months)) \
            if duty.months_setting else duty.months
        due_on = add_months(year_end, months)
        reached = [stage for stage, days in STAGES
                   if (today > due_on if stage == "overdue" else today >= due_on - timedelta(
                       days=days))]
        if not reached:
            continue
        if duty.kind == "agm" and _agm_called(session, year_end, due_on):
            continue
        stage = reached[-1]
        sent = session.scalar(select(SocietyReminder.id).where(
            SocietyReminder.kind == duty.kind, SocietyReminder.year_end == year_end,
            SocietyReminder.stage == stage))
        if sent is None:
            due.append(DueReminder(duty, year_end, stage, due_on))
    return due


def claim(session: TenantSession, reminder: DueReminder) -> bool:
    """Mark the reminder as sent; False if another run already did (sent once)."""
    try:
        with session.begin_nested():
            session.add(SocietyReminder(kind=reminder.duty.kind, year_end=reminder.year_end,
                                        stage=reminder.stage, due_on=reminder.due_on))
            session.flush()
    except IntegrityError:
        return False
    record(session, "society.reminder_sent", subject_type="society_reminder",
           kind=reminder.duty.kind, stage=reminder.stage, year_end=reminder.year_end.isoformat(),
           due_on=reminder.due_on.isoformat())
    return True


def reminder_text(reminder: DueReminder, coop_name: str, locale: str) -> tuple[str, str]:
    """Subject and body of a reminder in ``locale``."""
    with force_locale(locale):
        what = {"agm": gettext("the annual general meeting"),
                "fca_return": gettext("the annual return and accounts to the FCA")}[
            reminder.duty.kind]
        if reminder.stage == "overdue":
            subject = gettext("%(coop)s: %(what)s is overdue", coop=coop_name, what=what)
            lead = gettext("The deadline for %(what)s was %(date)s.", what=what,
                           date=formatting.day(reminder.due_on))
        else:
            subject = gettext("%(coop)s: %(what)s is due by %(date)s", coop=coop_name,
                              what=what, date=formatting.day(reminder.due_on))
            lead = gettext("Due by %(date)s: %(what)s, for the year that ended on %(end)s.",
                           what=what, date=formatting.day(reminder.due_on),
                           end=formatting.day(reminder.year_end))
        why = gettext("Why: %(source)s", source=reminder.duty.source_in(locale))
        body = "\n\n".join([lead, why,
                            gettext("You get this reminder as the co-op's secretary, or as "
                                    "an advisor to whom the co-op has granted access.")])
    return subject, body

"""Regulatory clocks on China's real working-day calendar.

Working days follow the State Council's yearly holiday notice, make-up working days (调休) on weekends included,
as published in the ``chinesecalendar`` package. A year the package does not know yet falls back to a Monday to
Friday count, and every result says whether it is such an estimate: never silently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar

# [ORDER-818] file with the NHC within 5 working days after the academic and ethics reviews.
NHC_FILING_WORKING_DAYS = 5
# [NMPA-86] acceptance decision in 5 working days; review in 30, extendable to 60; first Chinese dose within 12 weeks.
NMPA_ACCEPTANCE_WORKING_DAYS = 5
NMPA_REVIEW_WORKING_DAYS = 30
NMPA_EXTENDED_REVIEW_WORKING_DAYS = 60
NMPA_FIRST_DOSE_WINDOW = dt.timedelta(weeks=12)


def _is_working_day(day: dt.date) -> tuple[bool, bool]:
    """(is it a China working day, is that an estimate because the calendar does not cover the year)."""
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        return day.weekday() < 5, True


def is_working_day(day: dt.date) -> bool:
    return _is_working_day(day)[0]


def calendar_covers(day: dt.date) -> bool:
    return not _is_working_day(day)[1]


@dataclass(frozen=True)
class WorkingDayCount:
    """A date reached by counting China working days, and whether any day counted was a Monday-Friday estimate."""

    date: dt.date
    estimated: bool


def add_working_days(start: dt.date, days: int) -> WorkingDayCount:
    """The ``days``-th working day after ``start`` (``start`` itself is day 0, as in "within 5 working days after")."""
    current, estimated, remaining = start, False, days
    while remaining > 0:
        current += dt.timedelta(days=1)
        working, guessed = _is_working_day(current)
        estimated |= guessed
        remaining -= working
    return WorkingDayCount(current, estimated)


def working_days_between(start: dt.date, end: dt.date) -> tuple[int, bool]:
    """Working days after ``start`` up to and including ``end`` (negative if earlier), and whether it is estimated."""
    sign, low, high = (1, start, end) if end >= start else (-1, end, start)
    count, estimated, current = 0, False, low
    while current < high:
        current += dt.timedelta(days=1)
        working, guessed = _is_working_day(current)
        estimated |= guessed
        count += working
    return sign * count, estimated


@dataclass(frozen=True)
class Deadline:
    """A derived due date, what it is for, and where it stands against today (or against the day it was met)."""

    key: str  # stable id: nhc-filing, nmpa-acceptance, nmpa-review, first-dose
    label: str
    citation: str
    due: dt.date
    estimated: bool
    done_on: dt.date | None
    rule: str

    @property
    def met(self) -> bool | None:
        return None if self.done_on is None else self.done_on <= self.due

    def days_left(self, today: dt.date) -> int:
        """Calendar days until due (negative: overdue). Meaningful while not yet done."""
        return (self.due - today).days

    def status(self, today: dt.date) -> str:
        if self.done_on is not None:
            return "met" if self.met else "late"
        return "overdue" if today > self.due else "open"


def nhc_filing_deadline(
    *, academic_review_on: dt.date | None, ethics_approved_on: dt.date | None, filed_on: dt.date | None
) -> Deadline | None:
    """[ORDER-818] NHC filing due 5 China working days after the later of the academic and ethics approvals."""
    if academic_review_on is None or ethics_approved_on is None:
        return None
    count = add_working_days(max(academic_review_on, ethics_approved_on), NHC_FILING_WORKING_DAYS)
    return Deadline(
        key="nhc-filing",
        label="NHC filing",
        citation="ORDER-818",
        due=count.date,
        estimated=count.estimated,
        done_on=filed_on,
        rule="5 working days after the later of academic and ethics approval",
    )


def nmpa_acceptance_deadline(*, submitted_on: dt.date | None, accepted_on: dt.date | None) -> Deadline | None:
    """[NMPA-86] acceptance decision within 5 working days of submission."""
    if submitted_on is None:
        return None
    count = add_working_days(submitted_on, NMPA_ACCEPTANCE_WORKING_DAYS)
    return Deadline(
        key="nmpa-acceptance",
        label="NMPA acceptance",
        citation="NMPA-86",
        due=count.date,
        estimated=count.estimated,
        done_on=accepted_on,
        rule="5 working days after submission",
    )


def nmpa_review_deadline(*, accepted_on: dt.date | None, cleared_on: dt.date | None, extended: bool) -> Deadline | None:
    """[NMPA-86] substantive review within 30 working days of acceptance, 60 when extended for a complex case."""
    if accepted_on is None:
        return None
    days = NMPA_EXTENDED_REVIEW_WORKING_DAYS if extended else NMPA_REVIEW_WORKING_DAYS
    count = add_working_days(accepted_on, days)
    return Deadline(
        key="nmpa-review",
        label="NMPA review",
        citation="NMPA-86",
        due=count.date,
        estimated=count.estimated,
        done_on=cleared_on,
        rule=f"{days} working days after acceptance",
    )


def nmpa_first_dose_deadline(*, cleared_on: dt.date | None, first_dose_on: dt.date | None) -> Deadline | None:
    """[NMPA-86] the first Chinese subject dosed within 12 weeks of clearance (calendar weeks)."""
    if cleared_on is None:
        return None
    return Deadline(
        key="first-dose",
        label="First Chinese dose",
        citation="NMPA-86",
        due=cleared_on + NMPA_FIRST_DOSE_WINDOW,
        estimated=False,
        done_on=first_dose_on,
        rule="12 weeks after IND clearance",
    )

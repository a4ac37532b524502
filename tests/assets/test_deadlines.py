"""Derived dates on China's real calendar, at their boundaries (holidays and make-up working days)."""

from __future__ import annotations

import datetime as dt

import pytest

from assets.deadlines import (
    WorkingDayCount,
    add_working_days,
    calendar_covers,
    is_working_day,
    nhc_filing_deadline,
    nmpa_acceptance_deadline,
    nmpa_first_dose_deadline,
    nmpa_review_deadline,
    working_days_between,
)

D = dt.date


def test_national_day_2026_and_its_make_up_saturday():
    assert not is_working_day(D(2026, 10, 1))
    assert not is_working_day(D(2026, 10, 7))
    assert is_working_day(D(2026, 10, 10))  # Saturday, a make-up working day
    assert is_working_day(D(2026, 9, 20))  # Sunday, a make-up working day
    assert not is_working_day(D(2026, 10, 11))  # an ordinary Sunday


def test_spring_festival_2026_and_its_make_up_saturdays():
    assert is_working_day(D(2026, 2, 14))  # Saturday, make-up
    assert not is_working_day(D(2026, 2, 16))
    assert not is_working_day(D(2026, 2, 23))
    assert is_working_day(D(2026, 2, 28))  # Saturday, make-up


def test_five_working_days_across_national_day_lands_on_the_make_up_saturday():
    # Mon 28 Sep: 29, 30 Sep, then holiday 1-7 Oct, then 8, 9 Oct and the make-up Saturday 10 Oct.
    assert add_working_days(D(2026, 9, 28), 5) == WorkingDayCount(D(2026, 10, 10), estimated=False)
    assert working_days_between(D(2026, 9, 28), D(2026, 10, 10)) == (5, False)
    assert working_days_between(D(2026, 9, 28), D(2026, 10, 12)) == (6, False)


def test_five_working_days_across_spring_festival():
    # Fri 13 Feb: Sat 14 Feb (make-up), holiday 15-23 Feb, then 24, 25, 26, 27 Feb.
    assert add_working_days(D(2026, 2, 13), 5).date == D(2026, 2, 27)
    assert add_working_days(D(2026, 2, 13), 6).date == D(2026, 2, 28)  # make-up Saturday


def test_a_plain_monday_to_friday_count_would_be_wrong_here():
    naive = D(2026, 9, 28) + dt.timedelta(days=7)  # five weekdays later: Mon 5 Oct, a holiday
    assert add_working_days(D(2026, 9, 28), 5).date != naive


def test_years_the_calendar_does_not_know_are_estimated_visibly():
    assert calendar_covers(D(2026, 12, 31))
    assert not calendar_covers(D(2027, 1, 4))
    inside = add_working_days(D(2026, 12, 21), 4)
    assert inside.estimated is False
    across = add_working_days(D(2026, 12, 28), 5)  # runs into 2027: Monday-Friday estimate
    assert across == WorkingDayCount(D(2027, 1, 4), estimated=True)
    assert working_days_between(D(2026, 12, 28), D(2027, 1, 8))[1] is True


def test_working_days_between_is_signed():
    assert working_days_between(D(2026, 10, 12), D(2026, 9, 28)) == (-6, False)
    assert working_days_between(D(2026, 9, 28), D(2026, 9, 28)) == (0, False)


@pytest.mark.parametrize(
    ("filed_on", "status"),
    [(D(2026, 10, 10), "met"), (D(2026, 10, 12), "late"), (None, "overdue")],
)
def test_nhc_filing_deadline_on_the_fifth_and_sixth_working_day(filed_on, status):
    deadline = nhc_filing_deadline(
        academic_review_on=D(2026, 9, 25), ethics_approved_on=D(2026, 9, 28), filed_on=filed_on
    )
    assert deadline is not None
    assert deadline.due == D(2026, 10, 10)
    assert deadline.citation == "ORDER-818"
    assert deadline.status(today=D(2026, 11, 26)) == status


def test_nhc_filing_deadline_needs_both_reviews():
    assert nhc_filing_deadline(academic_review_on=None, ethics_approved_on=D(2026, 9, 28), filed_on=None) is None


def test_nhc_filing_days_left_and_overdue():
    deadline = nhc_filing_deadline(academic_review_on=D(2026, 9, 28), ethics_approved_on=D(2026, 9, 1), filed_on=None)
    assert deadline is not None
    assert deadline.days_left(today=D(2026, 10, 8)) == 2
    assert deadline.days_left(today=D(2026, 10, 13)) == -3
    assert deadline.status(today=D(2026, 10, 10)) == "open"


def test_nmpa_clocks():
    acceptance = nmpa_acceptance_deadline(submitted_on=D(2026, 9, 28), accepted_on=D(2026, 10, 9))
    assert acceptance is not None
    assert (acceptance.due, acceptance.met) == (D(2026, 10, 10), True)
    review = nmpa_review_deadline(accepted_on=D(2026, 3, 2), cleared_on=D(2026, 4, 20), extended=False)
    assert review is not None
    assert review.due == add_working_days(D(2026, 3, 2), 30).date
    assert review.met is False
    extended = nmpa_review_deadline(accepted_on=D(2026, 3, 2), cleared_on=D(2026, 4, 20), extended=True)
    assert extended is not None
    assert extended.met is True
    first_dose = nmpa_first_dose_deadline(cleared_on=D(2026, 4, 20), first_dose_on=None)
    assert first_dose is not None
    assert first_dose.due == D(2026, 7, 13)
    assert first_dose.status(today=D(2026, 7, 13)) == "open"
    assert first_dose.status(today=D(2026, 7, 14)) == "overdue"

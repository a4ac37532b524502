"""[ORDER-818] New biomedical technology studies: Grade A tertiary hosts, NHC filing within 5 working days."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator

from assets import deadlines
from assets.models import DatePrecision, NHCFiling, Study
from diligence.models import QuestionKey, Severity
from diligence.rules.base import Raised, rule
from diligence.rules.facts import AssetFacts

IN_FORCE = dt.date(2026, 5, 1)


def latest_possible_start(study: Study) -> dt.date | None:
    """A start known only to the month (or year) may lie anywhere in it: the last day it could be."""
    start = study.start_date
    if start is None:
        return None
    if study.start_date_precision == DatePrecision.YEAR:
        return dt.date(start.year, 12, 31)
    if study.start_date_precision == DatePrecision.MONTH:
        return dt.date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
    return start


def _under_order_818(facts: AssetFacts) -> Iterator[tuple[Study, bool]]:
    """Studies of an in-scope asset that start on or after the day Order 818 took force; the flag says the start
    is only possibly that late (a partial date straddling 2026-05-01)."""
    if not facts.asset.in_order818_scope:
        return
    for study in facts.studies:
        start, latest = study.start_date, latest_possible_start(study)
        if start is None or latest is None or latest < IN_FORCE:
            continue
        yield study, start < IN_FORCE


@rule(
    id="order818-site-grade",
    question=QuestionKey.CONSENT_ETHICS,
    severity=Severity.HIGH,
    citation="ORDER-818",
    title="New biomedical technology study at a hospital not verified Grade A tertiary",
    remedy="Verify the hospital's grade (三级甲等) from a current source, or move the study to a Grade A tertiary "
    "hospital.",
)
def order818_site_grade(facts: AssetFacts) -> Iterator[Raised]:
    for study, only_possibly in _under_order_818(facts):
        for site in study.sites.all():
            hospital = site.hospital
            if hospital.is_verified_grade_a_tertiary:
                continue
            grade = hospital.get_grade_display() + ("" if hospital.grade_verified else ", not verified")
            yield Raised(
                subject=f"site:{site.pk}",
                message=f"{study} started {study.start_display} (Order 818 in force 2026-05-01) at "
                f"{hospital.name_en} ({grade}); only Grade A tertiary hospitals may host such studies."
                + (" The start is known only to the month or year." if only_possibly else ""),
                facts={
                    "study": str(study),
                    "start": study.start_display,
                    "hospital": hospital.name_en,
                    "hospital_zh": hospital.name_zh,
                    "grade": hospital.grade,
                    "grade_verified": hospital.grade_verified,
                },
                severity=Severity.MEDIUM if only_possibly else None,
            )


@rule(
    id="order818-nhc-filing",
    question=QuestionKey.CONSENT_ETHICS,
    severity=Severity.HIGH,
    citation="ORDER-818",
    title="NHC filing missing or later than 5 China working days after academic and ethics approval",
    remedy="File with the NHC (or obtain the filing record) and document the reason for any delay.",
)
def order818_nhc_filing(facts: AssetFacts) -> Iterator[Raised]:
    for study, _only_possibly in _under_order_818(facts):
        filings = list(study.nhc_filings.all())
        if not filings:
            yield Raised(
                subject=f"study:{study.pk}",
                message=f"{study} started {study.start_display} under Order 818 and has no NHC filing on record.",
                facts={"study": str(study), "start": study.start_display},
            )
        for filing in filings:
            yield from _late_filing(study, filing, facts.today)


def _late_filing(study: Study, filing: NHCFiling, today: dt.date) -> Iterator[Raised]:
    subject = f"nhc:{filing.pk}"
    due = deadlines.nhc_filing_deadline(
        academic_review_on=filing.academic_review_on,
        ethics_approved_on=filing.ethics_approved_on,
        filed_on=filing.filed_on,
    )
    # No deadline exactly when an approval date is missing; the dates are tested too, for the type checker.
    if due is None or filing.academic_review_on is None or filing.ethics_approved_on is None:
        yield Raised(
            subject=subject,
            message=f"NHC filing for {study}: the academic or ethics approval date is missing, so the "
            "5-working-day deadline cannot be checked.",
            facts={"study": str(study)},
            severity=Severity.MEDIUM,
        )
        return
    reviews_done = max(filing.academic_review_on, filing.ethics_approved_on)
    cited = {
        "study": str(study),
        "reviews_complete": reviews_done.isoformat(),
        "due": due.due.isoformat(),
        "filed_on": filing.filed_on.isoformat() if filing.filed_on else None,
        "calendar_estimated": due.estimated,
    }
    estimate = " Days beyond the published holiday calendar are estimated Monday to Friday." if due.estimated else ""
    if filing.filed_on is None:
        if today > due.due:
            yield Raised(
                subject=subject,
                message=f"NHC filing for {study} was due {due.due:%Y-%m-%d} (5 China working days after "
                f"{reviews_done:%Y-%m-%d}) and is not filed.{estimate}",
                facts=cited,
            )
        return
    working_days, _estimated = deadlines.working_days_between(reviews_done, filing.filed_on)
    if working_days > deadlines.NHC_FILING_WORKING_DAYS:
        yield Raised(
            subject=subject,
            message=f"NHC filing for {study} was made on {filing.filed_on:%Y-%m-%d}, the {_ordinal(working_days)} "
            f"China working day after the later approval ({reviews_done:%Y-%m-%d}); it was due by "
            f"{due.due:%Y-%m-%d}.{estimate}",
            facts={**cited, "working_days": working_days},
        )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"

"""[ORDER-818] New biomedical technology studies on the NHC track: Grade A tertiary hosts, NHC filing within 5
working days, and who may initiate them."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator

from assets import deadlines
from assets.models import DatePrecision, NHCFiling, Study
from assets.models.hospitals import HospitalGrade
from diligence.models import QuestionKey, Severity
from diligence.rules.base import Raised, rule
from diligence.rules.facts import NMPA_TRACK, UNKNOWN_TRACK, AssetFacts

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
    """Studies of an in-scope asset on the NHC track (investigator-initiated; an industry-sponsored registration
    trial is on the NMPA track, not Order 818's, and a study of unknown sponsor type is kept, as possibly on the NHC
    track) that start on or after the day Order 818 took force; the flag says that is not
    certain: the start is unknown, or known only to a month or year that straddles 2026-05-01, so that some days it
    could be lie before and some on or after (judged on every day it could be)."""
    if not facts.asset.in_order818_scope:
        return
    for study in facts.studies:
        track, _reason = facts.track(study)
        if track == NMPA_TRACK:
            continue  # a registration trial under an IND is not an Order 818 matter
        start, latest = study.start_date, latest_possible_start(study)
        if start is None or latest is None:
            yield study, True
            continue
        if latest < IN_FORCE:
            continue
        yield study, start < IN_FORCE or track == UNKNOWN_TRACK


def _uncertain_start(study: Study, facts: AssetFacts) -> str:
    track, reason = facts.track(study)
    if track == UNKNOWN_TRACK:
        return f" Its track is not known ({reason}), so whether Order 818 governs it is not known."
    if study.start_date is None:
        return " Its start is not recorded, so whether Order 818 applies is not known."
    return " Its start is known only to the month or year, so it is possibly, not certainly, under Order 818."


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
    """Scope: sites at Chinese hospitals of studies under Order 818 (see ``_under_order_818``: the NHC track, started
    on or after 2026-05-01). Breach: a study certainly under Order 818 at a hospital whose verified grade is not
    Grade A tertiary. The
    grade is the team's own verification on the site, else the curated directory's when verified there. Unknowns (an
    open item): the grade unverified or unknown, or the study only possibly under Order 818."""
    for study, only_possibly in _under_order_818(facts):
        for site in study.sites.all():
            hospital = site.hospital
            if not facts.in_china(hospital.country):
                continue  # Order 818 governs Chinese hospitals; a site abroad is not its matter
            grade_value, verified_by = site.checked_grade
            if verified_by and grade_value == HospitalGrade.GRADE_A_TERTIARY:
                continue
            grade_known = verified_by is not None and grade_value != HospitalGrade.UNKNOWN
            grade = (
                str(HospitalGrade(grade_value).label)
                + {
                    "team": ", verified by the team",
                    "directory": ", verified in the directory",
                    None: ", not verified",
                }[verified_by]
            )
            yield Raised(
                subject=f"site:{site.pk}",
                message=f"{study} started {study.start_display or 'on a date not recorded'} (Order 818 in force "
                f"2026-05-01) at {hospital.name_en} ({grade}); only Grade A tertiary hospitals may host such studies."
                + (_uncertain_start(study, facts) if only_possibly else ""),
                facts={
                    "study": str(study),
                    "start": study.start_display,
                    "hospital": hospital.name_en,
                    "hospital_zh": hospital.name_zh,
                    "grade": grade_value,
                    "grade_verified_by": verified_by,
                },
                unknown=only_possibly or not grade_known,
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
    """Breach: a study certainly under Order 818 whose NHC filing was made, or is still not made, after its due day.
    Unknowns (an open item): no filing on record, an approval date missing, or the study only possibly under
    Order 818 (then even a late filing is an open item, not a breach)."""
    for study, only_possibly in _under_order_818(facts):
        filings = list(study.nhc_filings.all())
        if not filings:
            yield Raised(
                subject=f"study:{study.pk}",
                message=f"{study} started {study.start_display or 'on a date not recorded'} under Order 818 and has "
                "no NHC filing on record." + (_uncertain_start(study, facts) if only_possibly else ""),
                facts={"study": str(study), "start": study.start_display},
                unknown=True,
            )
        for filing in filings:
            for raised in _late_filing(study, filing, facts.today):
                if only_possibly and not raised.unknown:
                    raised = Raised(
                        raised.subject, raised.message + _uncertain_start(study, facts), raised.facts, unknown=True
                    )
                yield raised


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
            unknown=True,
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
    # A due day counted over a year the holiday calendar does not know is an estimate: lateness on it is an open item.
    estimate = (
        " Days beyond the published holiday calendar are estimated Monday to Friday, so this is an estimate, not "
        "certain."
        if due.estimated
        else ""
    )
    if filing.filed_on is None:
        if today > due.due:
            yield Raised(
                subject=subject,
                message=f"NHC filing for {study} was due {due.due:%Y-%m-%d} (5 China working days after "
                f"{reviews_done:%Y-%m-%d}) and is not filed.{estimate}",
                facts=cited,
                unknown=due.estimated,
            )
        return
    working_days, counted_estimated = deadlines.working_days_between(reviews_done, filing.filed_on)
    # Late exactly when the page says so (`Deadline.met`): a filing on a non-working day after its due day is late.
    if due.met is False:
        day = f"the {_ordinal(working_days)} China working day"
        if not deadlines.is_working_day(filing.filed_on):
            day = f"a non-working day after {day}"
        yield Raised(
            subject=subject,
            message=f"NHC filing for {study} was made on {filing.filed_on:%Y-%m-%d}, {day} after the later "
            f"approval ({reviews_done:%Y-%m-%d}); it was due by "
            f"{due.due:%Y-%m-%d}.{estimate}",
            facts={**cited, "working_days": working_days},
            unknown=due.estimated or counted_estimated,
        )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@rule(
    id="order818-initiator",
    question=QuestionKey.CONSENT_ETHICS,
    severity=Severity.HIGH,
    citation="ORDER-818",
    title="Study under Order 818 initiated by a foreign company without a registered China subsidiary or joint venture",
    remedy="Have the study initiated by the hospital, a Chinese company, or the foreign company's registered China "
    "subsidiary or joint venture; assess whether the data so far is usable.",
)
def order818_initiator(facts: AssetFacts) -> Iterator[Raised]:
    """Scope: studies under Order 818 (see ``_under_order_818``). Breach: initiated by a foreign company directly
    (Order 818 lets companies initiate, foreign ones only through a registered China subsidiary or joint venture).
    An investigator-initiated study with no initiator recorded is taken as the institution's. Unknown (an open item):
    who initiated a company or unclassified study; or the study only possibly under Order 818."""
    for study, only_possibly in _under_order_818(facts):
        initiator = study.initiator or (study.Initiator.MEDICAL_INSTITUTION if study.is_investigator_initiated else "")
        cited = {"study": str(study), "initiator": study.get_initiator_display() or None}
        if initiator == study.Initiator.FOREIGN_DIRECT:
            yield Raised(
                subject=f"study:{study.pk}",
                message=f"{study} was initiated by a foreign company directly; under Order 818 a foreign company "
                "initiates only through a registered China subsidiary or joint venture."
                + (_uncertain_start(study, facts) if only_possibly else ""),
                facts=cited,
                unknown=only_possibly,
            )
        elif not initiator:
            yield Raised(
                subject=f"study:{study.pk}",
                message=f"Who initiated {study} is not recorded, so Order 818's rule on who may initiate cannot be "
                "checked." + (_uncertain_start(study, facts) if only_possibly else ""),
                facts=cited,
                unknown=True,
            )

"""One trial, two registrations that disagree: a classic red flag of investigator-initiated data, under diligence
question 1 (is the data inspection-grade, its records reconciled with each other and with source) [DQ-EVIDENCE]."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from assets.models import Study
from assets.models.common import DatePrecision, format_partial_date, truncate_to_precision
from assets.registry.likeness import outcomes_agree, same_organisation
from diligence.models import QuestionKey, Severity
from diligence.rules.base import Raised, rule
from diligence.rules.facts import AssetFacts

_COARSER = [DatePrecision.YEAR, DatePrecision.MONTH, DatePrecision.DAY]
_SHOWN_SITES = 10


@rule(
    id="registrations-disagree",
    question=QuestionKey.DATA_INTEGRITY,
    severity=Severity.MEDIUM,
    citation="DQ-EVIDENCE",
    title="Two registrations of one trial disagree",
    remedy="Ask the sponsor which record is right and why the other differs (a local part of a global trial, an "
    "amendment never registered, a record left stale), and reconcile both to the protocol and source.",
)
def registrations_disagree(facts: AssetFacts) -> Iterator[Raised]:
    """Scope: every pair of the asset's studies linked as one trial (by a secondary id, or confirmed by a member).
    Breach: the two registrations give different enrolment, start, completion, sponsor, primary outcome or sites,
    each shown with both values. Enrolment is the actual count where a registration has one, else the planned;
    dates are compared at the coarser of the two precisions; sponsors without their legal forms; outcomes however
    each registry words them. Unknown (an open item): the enrolment, start, sponsor or primary outcome of either not
    recorded. Completion and sites are compared where both record them: registries (and WHO ICTRP's exports) often
    carry neither, which says nothing about the trial."""
    for link in facts.registration_links:
        first, second = link.first, link.second
        names = (str(first), str(second))
        disagree: dict[str, dict[str, str]] = {}
        unknown: dict[str, list[str]] = {}
        for label, values, agree in _compared(first, second):
            a, b = values
            if a is None or b is None:
                if label in _NEEDED:
                    unknown[label] = [name for name, value in zip(names, values, strict=True) if value is None]
                continue
            if not agree:
                disagree[label] = {names[0]: a, names[1]: b}
        cited = {
            "registrations": list(names),
            "linked_because": link.evidence or link.get_basis_display(),
            "disagree": disagree,
            "not_recorded": unknown,
        }
        missing = "; ".join(f"{label} of {' and '.join(who)}" for label, who in unknown.items())
        if disagree:
            sides = "; ".join(f"{label} {v[names[0]]} ({names[0]}) vs {v[names[1]]} ({names[1]})" for label, v in
                              disagree.items())  # fmt: skip
            yield Raised(
                subject=f"registration-link:{link.pk}",
                message=f"{names[0]} and {names[1]} register one trial ({cited['linked_because']}) but disagree: "
                f"{sides}." + (f" Not recorded: {missing}." if missing else ""),
                facts=cited,
            )
        elif unknown:
            yield Raised(
                subject=f"registration-link:{link.pk}",
                message=f"{names[0]} and {names[1]} register one trial ({cited['linked_because']}); whether they "
                f"agree is not known: not recorded: {missing}.",
                facts=cited,
                unknown=True,
            )


_NEEDED = frozenset({"enrolment", "start", "sponsor", "primary outcome"})


def _compared(first: Study, second: Study) -> Iterator[tuple[str, tuple[str | None, str | None], bool]]:
    """(what, the two values as shown or None where not recorded, whether they agree)."""
    counts = (_enrolment(first), _enrolment(second))
    yield "enrolment", (_shown_count(counts[0]), _shown_count(counts[1])), counts[0][0] == counts[1][0]
    for label, field in (("start", "start_date"), ("completion", "completion_date")):
        yield label, *_dates(first, second, field)
    sponsor_a, sponsor_b = first.sponsor_name.strip(), second.sponsor_name.strip()
    agree = bool(sponsor_a and sponsor_b and same_organisation(sponsor_a, sponsor_b))
    yield "sponsor", (sponsor_a or None, sponsor_b or None), agree
    outcomes = (first.primary_outcomes, second.primary_outcomes)
    shown = tuple("; ".join(o)[:300] if o else None for o in outcomes)
    yield "primary outcome", (shown[0], shown[1]), bool(all(outcomes) and outcomes_agree(*outcomes))
    hospitals = (
        {s.hospital_id: s.hospital for s in first.sites.all()},
        {s.hospital_id: s.hospital for s in second.sites.all()},
    )
    sites = tuple(_shown_sites(h) if h else None for h in hospitals)
    yield "sites", (sites[0], sites[1]), hospitals[0].keys() == hospitals[1].keys()


def _enrolment(study: Study) -> tuple[int | None, str]:
    if study.actual_enrollment is not None:
        return study.actual_enrollment, "actual"
    return study.planned_enrollment, "planned"


def _shown_count(count: tuple[int | None, str]) -> str | None:
    return None if count[0] is None else f"{count[0]} ({count[1]})"


def _dates(first: Study, second: Study, field: str) -> tuple[tuple[str | None, str | None], bool]:
    values: list[dt.date | None] = [getattr(first, field), getattr(second, field)]
    precisions = [getattr(first, f"{field}_precision"), getattr(second, f"{field}_precision")]
    shown = tuple(format_partial_date(v, p) or None for v, p in zip(values, precisions, strict=True))
    coarser = min(precisions, key=_COARSER.index)
    agree = truncate_to_precision(values[0], coarser) == truncate_to_precision(values[1], coarser)
    return (shown[0], shown[1]), agree


def _shown_sites(hospitals: dict) -> str:
    names = sorted(str(hospital) for hospital in hospitals.values())
    more = len(names) - _SHOWN_SITES
    return ", ".join(names[:_SHOWN_SITES]) + (f" and {more} more" if more > 0 else "")

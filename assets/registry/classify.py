"""Who runs the study, from the lead sponsor's class: the first question of IIT diligence, answered with a reason.

ClinicalTrials.gov classes (AgencyClass): OTHER (hospitals, universities) and INDIV (an investigator) lead
investigator-initiated trials; with an INDUSTRY collaborator the IIT is company-funded; INDUSTRY leads
industry trials; NIH, FED, OTHER_GOV and NETWORK are cooperative groups and governments. A class the registry
does not define is kept as given and flagged, never guessed. ChiCTR (through ICTRP) gives no class at all: there
the sponsor's name is read, and the reason says so, so a person can see what the verdict rests on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assets.models import Study
from assets.registry.records import Agency

SponsorType = Study.SponsorType

INVESTIGATOR_CLASSES = {"OTHER": "a hospital, university or other institution", "INDIV": "an individual investigator"}
COOPERATIVE_CLASSES = {
    "NIH": "the US National Institutes of Health",
    "FED": "a US federal agency",
    "OTHER_GOV": "a government body",
    "NETWORK": "a cooperative group or network",
}
UNDECIDED_CLASSES = {"UNKNOWN": "unknown to the registry", "AMBIG": "ambiguous to the registry"}
KNOWN_CLASSES = frozenset({*INVESTIGATOR_CLASSES, *COOPERATIVE_CLASSES, *UNDECIDED_CLASSES, "INDUSTRY"})

_COMPANY = re.compile(
    r"\b(co\.?,? ?ltd|company|inc\b|corp|llc|gmbh|pharma|biotech|biopharm|therapeutics|biosciences?)"
    r"|有限公司|制药|生物",
    re.IGNORECASE,
)
_INSTITUTION = re.compile(r"hospital|universit|college|institut|academy|医院|大学|学院|研究院|研究所", re.IGNORECASE)
_REASON_LENGTH = 300


@dataclass(frozen=True)
class Classification:
    sponsor_type: str
    reason: str
    funder: str = ""  # the company paying for it, when the record names one
    flags: list[str] = field(default_factory=list)


def classify(*, lead: Agency | None, collaborators: list[Agency]) -> Classification:
    """The sponsor type with the reason a person would give for it."""
    if lead is None or not lead.name:
        return Classification(SponsorType.UNKNOWN, "The record names no lead sponsor.")
    flags = [
        f"collaborator {c.name!r} has the class {c.agency_class!r}, which ClinicalTrials.gov does not define"
        for c in collaborators
        if c.agency_class and c.agency_class.upper() not in KNOWN_CLASSES
    ]
    given = lead.agency_class.strip().upper()
    if not given:
        return _by_name(lead, collaborators, flags)
    if given not in KNOWN_CLASSES:
        flags.append(f"lead sponsor class {lead.agency_class!r} is not one ClinicalTrials.gov defines; not classified")
        reason = f"Lead sponsor {lead.name} has the class {lead.agency_class!r}, which the import does not know."
        return Classification(SponsorType.UNKNOWN, _short(reason), flags=flags)
    return _by_class(lead, given, _industry(collaborators), flags)


def _by_class(lead: Agency, given: str, industry: list[Agency], flags: list[str]) -> Classification:
    who = f"Lead sponsor {lead.name} is class {given}"
    if given in INVESTIGATOR_CLASSES:
        reason = f"{who} ({INVESTIGATOR_CLASSES[given]})"
        if industry:
            reason += f" and collaborator {industry[0].name} is class INDUSTRY."
            return Classification(SponsorType.IIT_COMPANY_FUNDED, _short(reason), industry[0].name, flags)
        return Classification(SponsorType.IIT, _short(reason + "."), flags=flags)
    if given == "INDUSTRY":
        return Classification(SponsorType.INDUSTRY, _short(f"{who} (a company)."), lead.name, flags)
    if given in COOPERATIVE_CLASSES:
        return Classification(SponsorType.COOPERATIVE, _short(f"{who} ({COOPERATIVE_CLASSES[given]})."), flags=flags)
    return Classification(SponsorType.UNKNOWN, _short(f"{who}: {UNDECIDED_CLASSES[given]}."), flags=flags)


def _by_name(lead: Agency, collaborators: list[Agency], flags: list[str]) -> Classification:
    """No class given (ChiCTR): judge by the name only when it plainly says company or institution."""
    funders = _industry(collaborators)
    if _COMPANY.search(lead.name):
        reason = f"The registry gives no sponsor class; lead sponsor {lead.name} is named as a company."
        return Classification(SponsorType.INDUSTRY, _short(reason), lead.name, flags)
    if _INSTITUTION.search(lead.name):
        reason = f"The registry gives no sponsor class; lead sponsor {lead.name} is named as a hospital or university"
        if funders:
            reason += f", and {funders[0].name} is named as a company funding it."
            return Classification(SponsorType.IIT_COMPANY_FUNDED, _short(reason), funders[0].name, flags)
        return Classification(SponsorType.IIT, _short(reason + "."), flags=flags)
    reason = f"The registry gives no sponsor class and the name {lead.name} does not say what kind of sponsor it is."
    return Classification(SponsorType.UNKNOWN, _short(reason), flags=flags)


def _industry(collaborators: list[Agency]) -> list[Agency]:
    """Collaborators that are companies: by class, or by name where the registry gives no class."""
    return [
        c
        for c in collaborators
        if c.agency_class.strip().upper() == "INDUSTRY" or (not c.agency_class and _COMPANY.search(c.name))
    ]


def _short(reason: str) -> str:
    return reason if len(reason) <= _REASON_LENGTH else reason[: _REASON_LENGTH - 1] + "…"

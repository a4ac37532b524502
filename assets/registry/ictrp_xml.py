"""ChiCTR (and other) records as the WHO ICTRP exports them: ``<trials><Triall>`` with one flat element per field.

The export spells its root and record elements in more than one way (``<trials><Triall>`` in the files our users
receive, ``<Trials_downloaded_from_ICTRP><Trial>`` from the search portal); both are read. It carries no sponsor
class and no site list: the class is left for the classification to judge from the sponsor's name, and a primary
sponsor that is a hospital is taken as the lead site, which is how ChiCTR registers an investigator-initiated trial.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, tostring

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

from assets.models import Study
from assets.models.studies import CHICTR_ID, NCT_ID
from assets.registry.dates import parse_partial_date
from assets.registry.errors import RecordProblem
from assets.registry.reading import XmlDocument
from assets.registry.records import Agency, Official, PartialDate, RegistryStudy, SiteRecord
from assets.registry.text import clean, split_list, unique

ROOTS = frozenset({"trials", "trials_downloaded_from_ictrp"})
RECORDS = frozenset({"triall", "trial"})
_GROUP_SIZE = re.compile(r":\s*(\d+)")
_HOSPITAL = re.compile(r"hospital|医院", re.IGNORECASE)


def parse_ictrp_xml(document: XmlDocument) -> list[RegistryStudy]:
    trials = [node for node in document.root if node.tag.lower() in RECORDS]
    if not trials:
        raise RecordProblem(document.place(document.root), "the export holds no <Triall> records")
    return [_trial(document, node) for node in trials]


def _trial(document: XmlDocument, node: Element) -> RegistryStudy:
    fields = {child.tag.lower(): child for child in node}
    text = {tag: clean(child.text or "") for tag, child in fields.items()}
    study = RegistryStudy(
        raw_format=Study.RawFormat.ICTRP_XML,
        place=document.place(node),
        raw=_serialise(node),
        secondary_ids=split_list(text.get("secondary_id", "")),
        acronym=text.get("acronym", ""),
        brief_title=text.get("public_title", ""),
        official_title=text.get("scientific_title", ""),
        phases=[text["phase"]] if text.get("phase") else [],
        status=text.get("recruitment_status", ""),
        start=_date(document, fields.get("date_enrollement")),
        completion=_date(document, fields.get("results_date_completed")),
        conditions=split_list(text.get("condition", "")),
        interventions=split_list(text.get("intervention", "")),
        countries=split_list(text.get("countries", "")),
    )
    _registry_id(document, fields.get("trialid"), study)
    _sponsors(text, study)
    _size(text.get("target_size", ""), study)
    _contact(text, study)
    _lead_site(document, node, study)
    return study


def _registry_id(document: XmlDocument, node: Element | None, study: RegistryStudy) -> None:
    trial_id = clean(node.text or "") if node is not None else ""
    where = document.place(node) if node is not None else str(study.place)
    if not trial_id:
        raise RecordProblem(where, "the record has no registry id (<TrialID>)")
    if _valid(NCT_ID, trial_id):
        study.nct_id = trial_id
    elif _valid(CHICTR_ID, trial_id):
        study.chictr_id = trial_id
    else:
        raise RecordProblem(where, f"{trial_id!r} is neither a ChiCTR nor a ClinicalTrials.gov id")


def _valid(validator: RegexValidator, value: str) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


def _date(document: XmlDocument, node: Element | None) -> PartialDate:
    if node is None or not (node.text or "").strip():
        return PartialDate()
    try:
        value, precision = parse_partial_date(node.text or "")
    except ValueError as error:
        raise RecordProblem(document.place(node), str(error)) from None
    return PartialDate(value, precision)  # ICTRP does not say whether a date is actual or planned


def _sponsors(text: dict[str, str], study: RegistryStudy) -> None:
    sponsors = split_list(text.get("primary_sponsor", ""))
    if sponsors:
        study.lead_sponsor = Agency(sponsors[0])
    others = sponsors[1:] + split_list(text.get("secondary_sponsor", ""))
    funders = [name for name in split_list(text.get("source_support", "")) if not _self_funded(name)]
    study.collaborators = [Agency(name) for name in unique(others + funders)]


def _self_funded(name: str) -> bool:
    """ChiCTR's "source of funding" is often no funder at all: self-raised, or the sponsor itself."""
    return bool(re.search(r"self|自筹|none|^n/?a$", name, re.IGNORECASE))


def _size(value: str, study: RegistryStudy) -> None:
    """ChiCTR gives a number, or one per group ("Group A:30;Group B:30;"): the planned total is their sum."""
    if not value:
        return
    if value.isdigit():
        study.enrollment = int(value)
    elif groups := _GROUP_SIZE.findall(value):
        study.enrollment = sum(int(size) for size in groups)
        study.notes.append(f"planned enrolment {study.enrollment} is the sum of the groups in {value!r}")
    else:
        study.notes.append(f"target size {value!r} is not a number; enrolment left empty")


def _contact(text: dict[str, str], study: RegistryStudy) -> None:
    name = clean(f"{text.get('contact_firstname', '')} {text.get('contact_lastname', '')}")
    if name:
        study.officials = [Official(name, "CONTACT", text.get("contact_affiliation", ""))]


def _lead_site(document: XmlDocument, node: Element, study: RegistryStudy) -> None:
    sponsor = study.lead_sponsor.name if study.lead_sponsor else ""
    if not _HOSPITAL.search(sponsor):
        study.notes.append("the ICTRP export lists no sites; add them by hand")
        return
    contact = study.officials[0] if study.officials else None
    investigator = contact.name if contact and contact.affiliation.casefold() == sponsor.casefold() else ""
    country = study.countries[0] if study.countries else ""
    study.sites = [SiteRecord(sponsor, country=country, investigator=investigator, place=document.place(node))]
    study.notes.append("the ICTRP export lists no sites: the primary sponsor hospital is taken as the lead site")


def _serialise(node: Element) -> str:
    """The record's own XML (the file may hold hundreds), as kept with the study for provenance."""
    return tostring(node, encoding="unicode")

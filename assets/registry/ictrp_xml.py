"""Records as the WHO ICTRP network exports them, in each of the dialects found in public sources:

- the search portal's export, ``<Trials_downloaded_from_ICTRP><Trial>``, one flat element per field
  (``TrialID``, ``Public_title``, ``Secondary_ID``, ``Primary_outcome``...), lists packed with semicolons;
- ChiCTR's per-trial export, ``<trials subjects="1"><Triall><main>``: the ICTRP exchange schema, nested
  (``main/trial_id``, ``contacts/contact``, ``secondary_ids/secondary_id/sec_id``, ``primary_outcome/prim_outcome``),
  read also when the record element is spelt ``<trial>``;
- a flat ``<trials><Triall>`` file with the portal's field names, which earlier imports accepted.

Both shapes are read into the portal's field names first, so one reader maps them all. The export carries no sponsor
class and no site list: the class is left for the classification to judge from the sponsor's name, and a primary
sponsor that is a hospital is taken as the lead site, which is how ChiCTR registers an investigator-initiated trial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, tostring

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

from assets.models import Study
from assets.models.studies import CHICTR_ID, NCT_ID, OTHER_REGISTRY_ID
from assets.registry.dates import parse_partial_date
from assets.registry.errors import RecordProblem
from assets.registry.reading import XmlDocument
from assets.registry.records import Agency, Official, PartialDate, RegistryStudy, SiteRecord
from assets.registry.text import clean, split_list, unique

ROOTS = frozenset({"trials", "trials_downloaded_from_ictrp"})
RECORDS = frozenset({"triall", "trial"})
_GROUP_SIZE = re.compile(r":\s*(\d+)")
_HOSPITAL = re.compile(r"hospital|医院", re.IGNORECASE)
_GROUP = re.compile(r"^[^:：]{1,80}[:：]\s*\S")  # ChiCTR's "Group label:what it receives"
# The portal's export keeps the HTML line breaks of some registries' list fields as text.
_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_LIST_FIELDS = frozenset({"condition", "intervention", "primary_outcome"})
# The EU registers answer each phase yes or no: "Human pharmacology (Phase I): no Therapeutic exploratory (Phase II):
# yes ..."; the phases answered yes are the trial's.
_PHASE_ANSWERED = re.compile(r"\(phase\s+([iv]+)\)\s*:\s*(yes|no)", re.IGNORECASE)

# The nested exchange schema's single fields under <main>, by the portal's name for the same field.
_MAIN = {
    "trialid": "trial_id",
    "source_register": "reg_name",
    "public_title": "public_title",
    "scientific_title": "scientific_title",
    "acronym": "acronym",
    "primary_sponsor": "primary_sponsor",
    "date_enrollement": "date_enrolment",
    "target_size": "target_size",
    "recruitment_status": "recruitment_status",
    "phase": "phase",
    "condition": "hc_freetext",
    "intervention": "i_freetext",
    "results_date_completed": "results_date_completed",
}
# Its repeated fields: (container/item path, the portal's name); the items are joined as the portal packs them.
_LISTS = (
    ("countries/country2", "countries"),
    ("primary_outcome/prim_outcome", "primary_outcome"),
    ("secondary_ids/secondary_id/sec_id", "secondary_id"),
    ("secondary_sponsor/sponsor_name", "secondary_sponsor"),
    ("source_support/source_name", "source_support"),
)


@dataclass
class _Fields:
    """One record as the portal names its fields: the text of each, and the element it came from (for errors)."""

    text: dict[str, str] = field(default_factory=dict)
    nodes: dict[str, Element] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return self.text.get(name, "")


def parse_ictrp_xml(document: XmlDocument) -> list[RegistryStudy]:
    trials = [node for node in document.root if node.tag.lower() in RECORDS]
    if not trials:
        raise RecordProblem(document.place(document.root), "the export holds no <Trial> or <Triall> records")
    return [_trial(document, node) for node in trials]


def _flat(node: Element) -> _Fields:
    fields = _Fields()
    for child in node:
        name, value = child.tag.lower(), child.text or ""
        fields.nodes[name] = child
        fields.text[name] = _LINE_BREAK.sub(";" if name in _LIST_FIELDS else " ", value)
        if name not in _LIST_FIELDS:
            fields.text[name] = clean(fields.text[name])
    return fields


def _nested(node: Element) -> _Fields:
    fields = _Fields()
    main = node.find("main")
    if main is not None:
        children = {child.tag.lower(): child for child in main}
        for name, tag in _MAIN.items():
            if (child := children.get(tag)) is not None:
                fields.nodes[name] = child
                fields.text[name] = clean(child.text or "")
    for path, name in _LISTS:
        fields.text[name] = ";".join(clean(item.text or "") for item in node.findall(path) if (item.text or "").strip())
    contacts = node.findall("contacts/contact")
    # The scientific contact is the investigator; the public one answers enquiries.
    contacts.sort(key=lambda contact: clean(contact.findtext("type") or "").lower() != "scientific")
    if contacts:
        contact = contacts[0]
        names = (clean(contact.findtext(part) or "") for part in ("firstname", "middlename", "lastname"))
        fields.text["contact_firstname"] = " ".join(name for name in names if name)
        fields.text["contact_affiliation"] = clean(contact.findtext("affiliation") or "")
    return fields


def _trial(document: XmlDocument, node: Element) -> RegistryStudy:
    fields = _nested(node) if node.find("main") is not None else _flat(node)
    text = fields.get
    source = text("source_register")
    study = RegistryStudy(
        raw_format=Study.RawFormat.ICTRP_XML,
        place=document.place(node),
        raw=_serialise(node),
        source_register=source,
        secondary_ids=split_list(text("secondary_id")),
        acronym=text("acronym"),
        brief_title=text("public_title"),
        official_title=text("scientific_title"),
        phases=_phases(text("phase")),
        status=text("recruitment_status"),
        start=_date(document, fields.nodes.get("date_enrollement")),
        completion=_date(document, fields.nodes.get("results_date_completed")),
        conditions=split_list(text("condition")),
        interventions=split_list(text("intervention")),
        primary_outcomes=split_list(text("primary_outcome")),
        countries=split_list(text("countries")),
    )
    if source.casefold() == "chictr":  # ChiCTR lists its groups in the intervention field, "label:treatment;"
        study.arms = [entry for entry in study.interventions if _GROUP.match(entry)]
    _registry_id(document, fields.nodes.get("trialid"), study)
    _sponsors(fields.text, study)
    _size(text("target_size"), study)
    _contact(fields.text, study)
    _lead_site(document, node, study)
    return study


def _phases(value: str) -> list[str]:
    answered = _PHASE_ANSWERED.findall(value)
    if answered:
        return [f"Phase {roman.upper()}" for roman, answer in answered if answer.lower() == "yes"]
    return [value] if value else []


def _registry_id(document: XmlDocument, node: Element | None, study: RegistryStudy) -> None:
    trial_id = clean(node.text or "") if node is not None else ""
    where = document.place(node) if node is not None else str(study.place)
    if not trial_id:
        raise RecordProblem(where, "the record has no registry id (<TrialID>)")
    if _valid(NCT_ID, trial_id):
        study.nct_id = trial_id
    elif _valid(CHICTR_ID, trial_id):
        study.chictr_id = trial_id
    elif _valid(OTHER_REGISTRY_ID, trial_id):
        study.other_id = trial_id
    else:
        raise RecordProblem(where, f"{trial_id!r} is not a registry id the import knows")


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

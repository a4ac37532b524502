"""ClinicalTrials.gov legacy ``<clinical_study>`` XML, as found in archives and older downloads (public.xsd).

The legacy format spells classes and dates for people (``<agency_class>U.S. Fed</agency_class>``,
``<start_date type="Anticipated">September 2018</start_date>``); they are read into the API v2 vocabulary so one
mapping serves both formats, and what has no API v2 equivalent is kept as given.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from assets.models import Study
from assets.registry.dates import date_kind, parse_partial_date
from assets.registry.errors import RecordProblem
from assets.registry.reading import XmlDocument
from assets.registry.records import Agency, Official, PartialDate, RegistryStudy, SiteRecord
from assets.registry.text import clean, site_fields, unique

# Legacy agency classes -> the API v2 enumeration (AgencyClass).
LEGACY_CLASSES = {
    "other": "OTHER",
    "industry": "INDUSTRY",
    "nih": "NIH",
    "u.s. fed": "FED",
    "us fed": "FED",
    "individual": "INDIV",
    "network": "NETWORK",
    "other government": "OTHER_GOV",
    "ambiguous": "AMBIG",
    "unknown": "UNKNOWN",
}


def parse_ctgov_xml(document: XmlDocument) -> list[RegistryStudy]:
    root = document.root
    nct_id = text_of(root, "id_info/nct_id")
    if not nct_id:
        id_info = root.find("id_info")
        raise RecordProblem(document.place(root if id_info is None else id_info), "the study has no NCT id (<nct_id>)")
    study = RegistryStudy(
        raw_format=Study.RawFormat.CTGOV_XML,
        place=document.place(root),
        raw=document.text,
        nct_id=nct_id,
        secondary_ids=unique(
            [
                text_of(root, "id_info/org_study_id"),
                *texts_of(root, "id_info/secondary_id"),
                *texts_of(root, "id_info/nct_alias"),
            ]
        ),
        acronym=text_of(root, "acronym"),
        brief_title=text_of(root, "brief_title"),
        official_title=text_of(root, "official_title"),
        phases=[phase] if (phase := text_of(root, "phase")) else [],
        status=text_of(root, "overall_status"),
        start=_date(document, root, "start_date"),
        primary_completion=_date(document, root, "primary_completion_date"),
        completion=_date(document, root, "completion_date"),
        lead_sponsor=_agency(root.find("sponsors/lead_sponsor")),
        collaborators=[a for node in root.findall("sponsors/collaborator") if (a := _agency(node)) is not None],
        officials=[_official(node) for node in root.findall("overall_official") if text_of(node, "last_name")],
        conditions=unique(texts_of(root, "condition")),
        interventions=unique([_intervention(node) for node in root.findall("intervention")]),
        arms=unique([_arm(node) for node in root.findall("arm_group")]),
        primary_outcomes=unique([_outcome(node) for node in root.findall("primary_outcome")]),
    )
    _enrollment(document, root, study)
    for node in root.findall("location"):
        site = _site(document, node)
        if site.facility:
            study.sites.append(site)
        else:
            study.notes.append(f"a location in {site.city or site.country or 'an unnamed place'} has no facility")
    study.countries = unique([site.country for site in study.sites] + texts_of(root, "location_countries/country"))
    return [study]


def text_of(element: Element, path: str) -> str:
    node = element.find(path)
    return clean(node.text or "") if node is not None else ""


def texts_of(element: Element, path: str) -> list[str]:
    return [clean(node.text or "") for node in element.findall(path) if (node.text or "").strip()]


def _date(document: XmlDocument, root: Element, tag: str) -> PartialDate:
    node = root.find(tag)
    if node is None or not (node.text or "").strip():
        return PartialDate()
    try:
        value, precision = parse_partial_date(node.text or "")
    except ValueError as error:
        raise RecordProblem(document.place(node), str(error)) from None
    return PartialDate(value, precision, date_kind(node.get("type", "")))


def _enrollment(document: XmlDocument, root: Element, study: RegistryStudy) -> None:
    node = root.find("enrollment")
    if node is None or not (node.text or "").strip():
        return
    if not (node.text or "").strip().isdigit():
        raise RecordProblem(document.place(node), f"{node.text!r} is not a whole number of participants")
    study.enrollment = int((node.text or "").strip())
    study.enrollment_actual = date_kind(node.get("type", "")) == "actual"


def _agency(node: Element | None) -> Agency | None:
    if node is None or not text_of(node, "agency"):
        return None
    given = text_of(node, "agency_class")
    return Agency(text_of(node, "agency"), LEGACY_CLASSES.get(given.lower(), given))


def _official(node: Element) -> Official:
    role = text_of(node, "role").upper().replace(" ", "_")
    return Official(text_of(node, "last_name"), role, text_of(node, "affiliation"))


def _intervention(node: Element) -> str:
    kind, name = text_of(node, "intervention_type"), text_of(node, "intervention_name")
    return f"{kind}: {name}" if kind and name else name


def _arm(node: Element) -> str:
    label, description = text_of(node, "arm_group_label"), text_of(node, "description")
    return f"{label}: {description}" if label and description else label or description


def _outcome(node: Element) -> str:
    measure, frame = text_of(node, "measure"), text_of(node, "time_frame")
    return f"{measure} [{frame}]" if measure and frame else measure


def _site(document: XmlDocument, node: Element) -> SiteRecord:
    facility, city = site_fields(text_of(node, "facility/name"), text_of(node, "facility/address/city"))
    investigators = [
        text_of(person, "last_name")
        for person in node.findall("investigator")
        if text_of(person, "role").lower() == "principal investigator"
    ]
    return SiteRecord(
        facility=facility,
        city=city,
        state=text_of(node, "facility/address/state"),
        country=text_of(node, "facility/address/country"),
        investigator=next((name for name in investigators if name), ""),
        place=document.place(node),
    )

"""One entry point for every format: bytes in, study records out, or one located problem."""

from __future__ import annotations

from assets.registry.ctgov_json import parse_ctgov_json
from assets.registry.ctgov_xml import parse_ctgov_xml
from assets.registry.errors import RecordProblem
from assets.registry.ictrp_xml import ROOTS, parse_ictrp_xml
from assets.registry.reading import decode, json_load, sniff, text_encoding, xml_load, xml_text
from assets.registry.records import RegistryStudy


def parse_registry_file(raw: bytes) -> list[RegistryStudy]:
    """The studies in a ClinicalTrials.gov (API v2 JSON or legacy XML) or WHO ICTRP XML file.

    Raises RecordProblem, located in the file, for anything that cannot be read as one of those formats.
    """
    if sniff(raw) == "json":
        text = decode(raw, text_encoding(raw))
        studies = parse_ctgov_json(text, json_load(text))
    else:
        document = xml_load(xml_text(raw))
        tag = document.root.tag
        if tag == "clinical_study":
            studies = parse_ctgov_xml(document)
        elif tag.lower() in ROOTS:
            studies = parse_ictrp_xml(document)
        else:
            message = "an XML file, but not a ClinicalTrials.gov <clinical_study> or a WHO ICTRP <trials> export"
            raise RecordProblem(document.place(document.root), message)
    if not studies:
        raise RecordProblem("", "the file holds no studies")
    for study in studies:
        if not (study.brief_title or study.official_title):
            raise RecordProblem(str(study.place), f"{study.registry_id} has no title")
    return studies

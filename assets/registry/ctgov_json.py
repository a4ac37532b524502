"""ClinicalTrials.gov API v2 JSON: one study object, or a search response ``{"studies": [...], "nextPageToken"}``.

Field names follow the published data model (protocolSection -> identificationModule, statusModule,
sponsorCollaboratorsModule, conditionsModule, designModule, armsInterventionsModule, contactsLocationsModule).
A missing module or field is normal in real records and maps to "unknown"; a value of the wrong type is a
malformed file and is refused at its JSON path, with its line and column.
"""

from __future__ import annotations

from typing import Any, NoReturn

from assets.models import Study
from assets.registry.dates import date_kind, parse_partial_date
from assets.registry.errors import RecordProblem
from assets.registry.reading import JsonPlace, Path, json_place, json_spans
from assets.registry.records import Agency, Official, PartialDate, RegistryStudy, SiteRecord
from assets.registry.text import clean, site_fields, unique

_PROTOCOL = ("protocolSection",)


def parse_ctgov_json(text: str, document: Any) -> list[RegistryStudy]:
    """Every study in the document, in file order."""
    if isinstance(document, dict) and "studies" in document:
        studies = document["studies"]
        if not isinstance(studies, list):
            _fail(text, ["studies"], "must be a list of studies")
        spans = json_spans(text, ["studies"])
        return [
            _StudyReader(text, study, ["studies", index], spans[index]).read() for index, study in enumerate(studies)
        ]
    if isinstance(document, dict) and "protocolSection" in document:
        return [_StudyReader(text, document, [], (0, len(text))).read()]
    message = 'not a ClinicalTrials.gov API v2 record: expected a study ({"protocolSection": ...}) '
    _fail(text, [], message + 'or a search response ({"studies": [...]})')


def _fail(text: str, path: Path, message: str) -> NoReturn:
    raise RecordProblem(json_place(text, path), message)


class _StudyReader:
    """Reads one study object; paths are kept from the file's root so errors point into the file."""

    def __init__(self, text: str, data: object, path: list[str | int], span: tuple[int, int]) -> None:
        self.text, self.path, self.span = text, path, span
        if not isinstance(data, dict) or not isinstance(data.get("protocolSection"), dict):
            _fail(text, path, 'a study must be an object with a "protocolSection" object')
        self.data = data

    def read(self) -> RegistryStudy:
        nct_id = self.text_at("protocolSection", "identificationModule", "nctId")
        if not nct_id:
            _fail(self.text, [*self.path, *_PROTOCOL, "identificationModule"], "the study has no NCT id (nctId)")
        study = RegistryStudy(
            raw_format=Study.RawFormat.CTGOV_JSON,
            place=JsonPlace(self.text, tuple(self.path)),
            raw=self.text[self.span[0] : self.span[1]],
            nct_id=nct_id,
        )
        self._identification(study)
        self._status(study)
        self._sponsors(study)
        self._design(study)
        study.conditions = unique(self.texts_at("protocolSection", "conditionsModule", "conditions"))
        study.interventions = self._interventions()
        study.arms = self._arms()
        study.primary_outcomes = self._primary_outcomes()
        self._contacts(study)
        return study

    # --- typed access -------------------------------------------------------------------------------------

    def at(self, *keys: str | int) -> tuple[Any, list[str | int]]:
        """The value at ``keys`` under this study (None when any step is missing) and its full path."""
        value: Any = self.data
        for key in keys:
            value = value.get(key) if isinstance(value, dict) and isinstance(key, str) else None
        return value, [*self.path, *keys]

    def text_at(self, *keys: str | int) -> str:
        value, path = self.at(*keys)
        if value is None:
            return ""
        if not isinstance(value, str):
            _fail(self.text, path, f"must be text, not {type(value).__name__}")
        return clean(value)

    def texts_at(self, *keys: str) -> list[str]:
        value, path = self.at(*keys)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            _fail(self.text, path, "must be a list of text")
        return [clean(item) for item in value]

    def objects_at(self, *keys: str) -> list[tuple[dict, list[str | int]]]:
        value, path = self.at(*keys)
        if value is None:
            return []
        if not isinstance(value, list):
            _fail(self.text, path, "must be a list")
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                _fail(self.text, [*path, index], f"must be an object, not {type(item).__name__}")
        return [(item, [*path, index]) for index, item in enumerate(value)]

    def field(self, node: dict, base: list[str | int], key: str) -> str:
        value = node.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            _fail(self.text, [*base, key], f"must be text, not {type(value).__name__}")
        return clean(value)

    # --- modules ------------------------------------------------------------------------------------------

    def _identification(self, study: RegistryStudy) -> None:
        module = ("protocolSection", "identificationModule")
        study.brief_title = self.text_at(*module, "briefTitle")
        study.official_title = self.text_at(*module, "officialTitle")
        study.acronym = self.text_at(*module, "acronym")
        org_id = self.text_at(*module, "orgStudyIdInfo", "id")
        secondary = [self.field(item, path, "id") for item, path in self.objects_at(*module, "secondaryIdInfos")]
        aliases = self.texts_at(*module, "nctIdAliases")
        study.secondary_ids = unique([org_id, *secondary, *aliases])

    def _status(self, study: RegistryStudy) -> None:
        study.status = self.text_at("protocolSection", "statusModule", "overallStatus")
        study.start = self._date("startDateStruct")
        study.primary_completion = self._date("primaryCompletionDateStruct")
        study.completion = self._date("completionDateStruct")

    def _date(self, struct: str) -> PartialDate:
        text = self.text_at("protocolSection", "statusModule", struct, "date")
        if not text:
            return PartialDate()
        try:
            value, precision = parse_partial_date(text)
        except ValueError as error:
            _fail(self.text, [*self.path, *_PROTOCOL, "statusModule", struct, "date"], str(error))
        kind = date_kind(self.text_at("protocolSection", "statusModule", struct, "type"))
        return PartialDate(value, precision, kind)

    def _sponsors(self, study: RegistryStudy) -> None:
        module = ("protocolSection", "sponsorCollaboratorsModule")
        name = self.text_at(*module, "leadSponsor", "name")
        if name:
            study.lead_sponsor = Agency(name, self.text_at(*module, "leadSponsor", "class"))
        study.collaborators = [
            Agency(self.field(item, path, "name"), self.field(item, path, "class"))
            for item, path in self.objects_at(*module, "collaborators")
            if self.field(item, path, "name")
        ]

    def _design(self, study: RegistryStudy) -> None:
        study.phases = self.texts_at("protocolSection", "designModule", "phases")
        count, path = self.at("protocolSection", "designModule", "enrollmentInfo", "count")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
            _fail(self.text, path, "must be a whole number of participants")
        study.enrollment = count
        kind = self.text_at("protocolSection", "designModule", "enrollmentInfo", "type")
        study.enrollment_actual = date_kind(kind) == "actual"

    def _interventions(self) -> list[str]:
        found = []
        for item, path in self.objects_at("protocolSection", "armsInterventionsModule", "interventions"):
            kind, name = self.field(item, path, "type"), self.field(item, path, "name")
            if name:
                found.append(f"{kind.replace('_', ' ').capitalize()}: {name}" if kind else name)
        return unique(found)

    def _arms(self) -> list[str]:
        found = []
        for item, path in self.objects_at("protocolSection", "armsInterventionsModule", "armGroups"):
            label, description = self.field(item, path, "label"), self.field(item, path, "description")
            if label or description:
                found.append(f"{label}: {description}" if label and description else label or description)
        return unique(found)

    def _primary_outcomes(self) -> list[str]:
        found = []
        for item, path in self.objects_at("protocolSection", "outcomesModule", "primaryOutcomes"):
            measure, frame = self.field(item, path, "measure"), self.field(item, path, "timeFrame")
            if measure:
                found.append(f"{measure} [{frame}]" if frame else measure)
        return unique(found)

    def _contacts(self, study: RegistryStudy) -> None:
        module = ("protocolSection", "contactsLocationsModule")
        study.officials = [
            Official(*(self.field(item, path, key) for key in ("name", "role", "affiliation")))
            for item, path in self.objects_at(*module, "overallOfficials")
            if self.field(item, path, "name")
        ]
        countries = []
        for item, path in self.objects_at(*module, "locations"):
            site = self._site(item, path)
            countries.append(site.country)
            if site.facility:
                study.sites.append(site)
            else:
                study.notes.append(f"a location in {site.city or site.country or 'an unnamed place'} has no facility")
        study.countries = unique(countries)

    def _site(self, item: dict, path: list[str | int]) -> SiteRecord:
        facility, city = site_fields(self.field(item, path, "facility"), self.field(item, path, "city"))
        investigators = [
            self.field(contact, contact_path, "name")
            for contact, contact_path in self._contacts_of(item, path)
            if self.field(contact, contact_path, "role") == "PRINCIPAL_INVESTIGATOR"
        ]
        return SiteRecord(
            facility=facility,
            city=city,
            state=self.field(item, path, "state"),
            country=self.field(item, path, "country"),
            investigator=next((name for name in investigators if name), ""),
            place=JsonPlace(self.text, tuple(path)),
        )

    def _contacts_of(self, item: dict, path: list[str | int]) -> list[tuple[dict, list[str | int]]]:
        contacts = item.get("contacts")
        if contacts is None:
            return []
        if not isinstance(contacts, list) or not all(isinstance(contact, dict) for contact in contacts):
            _fail(self.text, [*path, "contacts"], "must be a list of objects")
        return [(contact, [*path, "contacts", index]) for index, contact in enumerate(contacts)]

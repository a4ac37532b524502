"""A registry record as the parsers read it, before it is mapped onto a Study: one shape for every format.

Values are kept as the registry gives them (classes, phases and statuses unmapped) so the mapping and the
classification live in one place each, and so what could not be mapped can be flagged with the original value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from assets.models.common import DatePrecision


@dataclass(frozen=True)
class PartialDate:
    """A registry date: the first day of what is known, how much is known, and whether it has happened."""

    value: dt.date | None = None
    precision: str = DatePrecision.DAY
    kind: str = ""  # Study.DateType value, or "" when the registry does not say


@dataclass(frozen=True)
class Agency:
    """A sponsor or collaborator; ``agency_class`` as given (API v2 spelling when the format has a known synonym)."""

    name: str
    agency_class: str = ""


@dataclass(frozen=True)
class Official:
    name: str
    role: str = ""
    affiliation: str = ""

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "role": self.role, "affiliation": self.affiliation}


@dataclass(frozen=True)
class SiteRecord:
    """One location of the record. ``place`` says where it is in the file, for errors about it."""

    facility: str
    city: str = ""
    state: str = ""
    country: str = ""
    investigator: str = ""
    place: object = ""  # str() of it says where the site is in its file


@dataclass
class RegistryStudy:
    """Everything the import maps from one study record."""

    raw_format: str
    place: object  # str() of it says where the study is in its file
    raw: str
    nct_id: str = ""
    chictr_id: str = ""
    # The primary id of a record from another registry of the WHO network (JPRN-jRCT2080224769, EUCTR..., CTIS...),
    # as the ICTRP export gives it; ``source_register`` names the registry.
    other_id: str = ""
    source_register: str = ""
    secondary_ids: list[str] = field(default_factory=list)
    acronym: str = ""
    brief_title: str = ""
    official_title: str = ""
    phases: list[str] = field(default_factory=list)
    status: str = ""
    start: PartialDate = field(default_factory=PartialDate)
    primary_completion: PartialDate = field(default_factory=PartialDate)
    completion: PartialDate = field(default_factory=PartialDate)
    enrollment: int | None = None
    enrollment_actual: bool = False
    lead_sponsor: Agency | None = None
    collaborators: list[Agency] = field(default_factory=list)
    officials: list[Official] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    interventions: list[str] = field(default_factory=list)
    arms: list[str] = field(default_factory=list)  # "label: description" per arm or group, where the format has them
    primary_outcomes: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    sites: list[SiteRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the parser kept as given or left out, for the flags

    @property
    def registry_id(self) -> str:
        return self.nct_id or self.chictr_id or self.other_id

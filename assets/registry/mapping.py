"""A parsed record onto Study fields: phases and statuses in our vocabulary; what cannot be mapped kept and flagged."""

from __future__ import annotations

import re
from typing import Any

from assets.models import Study
from assets.models.common import Phase
from assets.registry.classify import Classification
from assets.registry.records import PartialDate, RegistryStudy
from assets.registry.text import unique

Status = Study.Status

# Each registry phase becomes one of these tokens; a set of tokens is one of our phases.
_PHASE_SETS = {
    frozenset({"early1"}): Phase.EARLY_PHASE_1,
    frozenset({"1"}): Phase.PHASE_1,
    frozenset({"1", "2"}): Phase.PHASE_1_2,
    frozenset({"2"}): Phase.PHASE_2,
    frozenset({"2", "3"}): Phase.PHASE_2_3,
    frozenset({"3"}): Phase.PHASE_3,
    frozenset({"4"}): Phase.PHASE_4,
    frozenset({"na"}): Phase.NOT_APPLICABLE,
}
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
_NOT_APPLICABLE = frozenset({"na", "n/a", "not applicable", "not_applicable"})

# Statuses, compared as lower-case words joined by "_" (ACTIVE_NOT_RECRUITING, "Active, not recruiting").
_STATUSES = {value: value for value in Status.values} | {
    "unknown_status": Status.UNKNOWN,
    "pending": Status.NOT_YET_RECRUITING,
    "not_recruiting": Status.ACTIVE_NOT_RECRUITING,
    "recruiting_may_be_ongoing_or_finished": Status.UNKNOWN,
}


def map_phase(registered: list[str]) -> tuple[str, str | None]:
    """Our phase for the registry's, and a flag when there is a phase we cannot place (kept as registered)."""
    if not registered:
        return "", None
    tokens = {token for value in registered for token in _phase_tokens(value)}
    phase = _PHASE_SETS.get(frozenset(tokens))
    if phase is None:
        return "", f"phase {', '.join(registered)!r} is not one the import knows; kept as registered"
    return phase, None


def _phase_tokens(value: str) -> list[str]:
    text = value.strip().lower()
    if text in _NOT_APPLICABLE:
        return ["na"]
    tokens = []
    for part in re.split(r"\s*(?:/|,|&|\+|\band\b|-(?=\s*(?:phase|[iv\d])))\s*", text):
        word = re.sub(r"phase|期|_", " ", part).strip()
        word = _ROMAN.get(word, word)
        if re.fullmatch(r"early\s*(?:1|i)|0", word):
            tokens.append("early1")
        elif word in {"1", "2", "3", "4"} or word in _NOT_APPLICABLE:
            tokens.append("na" if word in _NOT_APPLICABLE else word)
        elif word:
            tokens.append(f"?{part}")  # unknown: keeps the set from matching
    return tokens


def map_status(registered: str) -> tuple[str, str | None]:
    if not registered:
        return Status.UNKNOWN, None
    key = re.sub(r"[^a-z]+", "_", registered.lower()).strip("_")
    if key in _STATUSES:
        return _STATUSES[key], None
    return Status.UNKNOWN, f"overall status {registered!r} is not one the import knows; left as unknown"


def study_values(record: RegistryStudy) -> tuple[dict[str, Any], list[str]]:
    """The Study fields a registry record sets (classification aside), and the flags for what it kept as given."""
    phase, phase_flag = map_phase(record.phases)
    status, status_flag = map_status(record.status)
    flags = [flag for flag in (phase_flag, status_flag) if flag] + record.notes
    lead = record.lead_sponsor
    values: dict[str, Any] = {
        "nct_id": record.nct_id,
        "chictr_id": record.chictr_id,
        "other_registry_id": record.other_id,
        "title": record.brief_title or record.official_title,
        "official_title": record.official_title,
        "secondary_ids": record.secondary_ids,
        "phase": phase,
        "phase_as_registered": ", ".join(record.phases),
        "status": status,
        "sponsor_name": lead.name if lead else "",
        "sponsor_class": lead.agency_class if lead else "",
        "collaborators": [{"name": c.name, "class": c.agency_class} for c in record.collaborators],
        "overall_officials": [official.as_json() for official in record.officials],
        "conditions": record.conditions,
        "interventions": record.interventions,
        "primary_outcomes": record.primary_outcomes,
        "countries": unique(record.countries),
        **_dates("start_date", record.start),
        **_dates("primary_completion_date", record.primary_completion),
        **_dates("completion_date", record.completion),
    }
    if record.acronym:
        values["acronym"] = record.acronym
    if record.enrollment is not None:
        values["actual_enrollment" if record.enrollment_actual else "planned_enrollment"] = record.enrollment
    values |= {"source": Study.Source.IMPORTED, "raw_format": record.raw_format, "raw_record": record.raw}
    return values, flags


def _dates(name: str, date: PartialDate) -> dict[str, Any]:
    return {name: date.value, f"{name}_precision": date.precision, f"{name}_type": date.kind}


def classification_values(classification: Classification) -> dict[str, Any]:
    return {"sponsor_type": classification.sponsor_type, "sponsor_type_reason": classification.reason}

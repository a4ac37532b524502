"""The dossier's JSON Schema as the registry (``assets.kinds``) and the models say it: what ``schema.json`` holds.

Each kind becomes a definition: its fields typed from their model fields (lengths, choices, ranges, decimal places,
formats, help texts), its references, its children under their keys. Values of a shared shape (a date, money, a
tri-state answer) point to one definition each, so the reader learns the shape once. ``python manage.py
dossier_format`` writes the file; a test holds the committed file to this function.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations

from assets.dossier.fields import FORMAT, VERSION
from assets.kinds import ALL_KINDS, ASSET, FactKind, Field, children_of, listed_kinds, referred_kind
from assets.kinds.spec import TEXT_LIST
from assets.models import DatePrecision, TriState
from assets.models.common import Phase
from assets.models.studies import StudyDateType

Schema = dict[str, Any]

DESCRIPTION = (
    "One drug asset with everything under it: its studies (efficacy claims, evidence quality, sites with their "
    "hospital and ethics approvals, HGR and NHC filings), IND applications, deal terms (milestones, royalty tiers), "
    "registration plan, and the companies it names. No database ids: objects are referred to by natural keys (asset "
    "code, company name, hospital English name and city). Dates are YYYY-MM-DD; a partial date gives its precision "
    "beside it. Money and other decimals are strings with fixed decimals, never JSON numbers. Empty text is an empty "
    "string; an unknown date or number is null."
)


def _choices(choices: type[models.TextChoices], *, blank: bool = False) -> Schema:
    return {"type": "string", "enum": [*choices.values, *([""] if blank else [])]}


# Shapes many fields share, each defined once. A field whose derived schema is one of these (descriptions aside)
# refers to it instead of repeating it.
SHARED: dict[str, Schema] = {
    "date": {"type": "string", "format": "date", "description": "a real calendar date in the form YYYY-MM-DD"},
    "optional_date": {
        "type": ["string", "null"],
        "format": "date",
        "description": "a real calendar date in the form YYYY-MM-DD, or null",
    },
    "date_precision": {
        **_choices(DatePrecision),
        "description": "how much of the date beside it is known; an unknown day (and month) is written as 01",
    },
    "date_type": {
        **_choices(StudyDateType, blank=True),
        "description": (
            "whether the date beside it has happened (actual) or is planned (estimated); empty when the registry "
            "does not say"
        ),
    },
    "tri_state": _choices(TriState),
    "phase": {**_choices(Phase, blank=True), "description": "a clinical phase, or empty when unknown"},
    "money": {
        "type": "string",
        "pattern": "^(0|[1-9][0-9]{0,13})\\.[0-9]{2}$",
        "description": (
            'an amount of money: a non-negative decimal string with exactly 2 decimals, e.g. "350000000.00" '
            "(never a JSON number)"
        ),
    },
    "percent": {
        "type": "string",
        "pattern": "^(0|[1-9][0-9]{0,2})\\.[0-9]{2}$",
        "description": 'a percentage from "0.00" to "100.00": a decimal string with exactly 2 decimals',
    },
    "efficacy_value": {
        "type": "string",
        "pattern": "^-?(0|[1-9][0-9]{0,5})\\.[0-9]{2}$",
        "description": 'a reported value: a decimal string with exactly 2 decimals, e.g. "73.50"',
    },
    "months": {
        "type": ["string", "null"],
        "pattern": "^(0|[1-9][0-9]{0,3})\\.[0-9]$",
        "description": 'a number of months: a non-negative decimal string with exactly 1 decimal, e.g. "12.5", or null',
    },
    "text_list": dict(TEXT_LIST),
}


def schema_from_kinds() -> Schema:
    """The dossier's schema, derived."""
    definitions = {kind.document: _definition(kind) for kind in ALL_KINDS}
    used = _references(definitions)
    top: Schema = {
        "format": {"const": FORMAT, "description": f'Always "{FORMAT}".'},
        "version": {"const": VERSION, "description": "The version of this format."},
        **{kind.key: _list_of(kind) for kind in listed_kinds()},
        ASSET.key: _ref(ASSET.document),
        **{child.key: _child(child) for child in children_of(ASSET)},  # the asset's children sit beside it
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:iit-diligence:dossier:{VERSION}",
        "title": f"IIT Diligence asset dossier, version {VERSION}",
        "description": DESCRIPTION,
        "type": "object",
        "additionalProperties": False,
        "required": ["format", "version", ASSET.key],
        "properties": top,
        "$defs": {**{name: shape for name, shape in SHARED.items() if name in used}, **definitions},
    }


def schema_dumps(schema: Schema) -> str:
    """How ``schema.json`` is written: two-space indents, real characters, a final newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def _definition(kind: FactKind) -> Schema:
    properties = {field.name: _field(kind, field) for field in kind.field_specs}
    properties |= {
        reference.name: _reference(kind, reference.name, reference.description) for reference in kind.references
    }
    if kind is not ASSET:  # the asset's children sit at the top of the document, beside it
        properties |= {child.key: _child(child) for child in children_of(kind)}
    return {
        "type": ["object", "null"] if kind.singular else "object",
        "description": kind.description,
        "additionalProperties": False,
        "required": _required(kind),
        "properties": properties,
    }


def _required(kind: FactKind) -> list[str]:
    """What an object must give: fields the model cannot fill in (no default, not blank), what the import matches
    it by, and references the model cannot do without."""
    required = []
    for name in kind.field_names:
        model_field = kind.model_field(name)
        if (not model_field.has_default() and not model_field.blank) or name in kind.natural_key:
            required.append(name)
    required += [ref.name for ref in kind.references if not kind.model_field(ref.name).null]
    return required


def _field(kind: FactKind, field: Field) -> Schema:
    model_field = kind.model_field(field.name)
    if field.schema is not None:
        shape = dict(field.schema)
    elif isinstance(model_field, models.JSONField):
        raise ValueError(f"{kind.slug}.{field.name}: a JSONField needs its value's shape in the registry (schema=)")
    else:
        shape = _shape(model_field)
    description = field.description or str(model_field.help_text)
    return _shared(shape, description)


def _shared(shape: Schema, description: str) -> Schema:
    """A reference to the shared definition of this shape where there is one, else the shape; the description last."""
    for name, shared in SHARED.items():
        if shape == {key: value for key, value in shared.items() if key != "description"}:
            shape = _ref(name)
            break
    return shape | ({"description": description} if description else {})


def _shape(model_field: models.Field) -> Schema:
    """A model field's value as JSON: the same checks the model makes that a schema can say."""
    nullable = model_field.null

    def typed(name: str) -> list[str] | str:
        return [name, "null"] if nullable else name

    if model_field.choices:
        values = [value for value, _label in model_field.flatchoices]
        return {"type": typed("string"), "enum": [*values, *([""] if model_field.blank else [])]}
    if isinstance(model_field, models.BooleanField):
        return {"type": typed("boolean")}
    if isinstance(model_field, models.DateTimeField):  # before DateField, its base class
        return {"type": typed("string"), "format": "date-time"}
    if isinstance(model_field, models.DateField):
        return {"type": typed("string"), "format": "date"}
    if isinstance(model_field, models.DecimalField):
        return {"type": typed("string"), "pattern": _decimal_pattern(model_field)}
    if isinstance(model_field, models.IntegerField):
        # The range every database takes, not the one the test database happens to: a dossier travels.
        low, high = BaseDatabaseOperations.integer_field_ranges[model_field.get_internal_type()]
        return {
            "type": typed("integer"),
            "minimum": max([low, *_limits(model_field, MinValueValidator)]),
            "maximum": high,
        }
    if isinstance(model_field, models.CharField | models.TextField):
        shape: Schema = {"type": typed("string")}
        if not model_field.blank:
            shape["minLength"] = 1
        if model_field.max_length:
            shape["maxLength"] = model_field.max_length
        if patterns := [re.compile(v.regex).pattern for v in _validators(model_field) if isinstance(v, RegexValidator)]:
            (pattern,) = patterns
            inner = pattern.removeprefix("^").removesuffix("$").replace("\\d", "[0-9]")
            shape["pattern"] = f"^({inner})?$" if model_field.blank else f"^{inner}$"
        return shape
    raise ValueError(f"{model_field}: no JSON shape for a {type(model_field).__name__}")


def _decimal_pattern(model_field: models.DecimalField) -> str:
    """Fixed decimals, as many whole digits as the column holds, a sign only where negatives are allowed."""
    whole = model_field.max_digits - model_field.decimal_places
    sign = "" if any(limit >= 0 for limit in _limits(model_field, MinValueValidator)) else "-?"
    decimals = "[0-9]" if model_field.decimal_places == 1 else f"[0-9]{{{model_field.decimal_places}}}"
    return f"^{sign}(0|[1-9][0-9]{{0,{whole - 1}}})\\.{decimals}$"


def _validators(model_field: models.Field) -> list[Any]:
    """The validators the model field was given (not those a database connection adds)."""
    return list(model_field.deconstruct()[3].get("validators", []))


def _limits(model_field: models.Field, validator: type[MinValueValidator | MaxValueValidator]) -> list[Any]:
    return [v.limit_value for v in _validators(model_field) if isinstance(v, validator)]


def _reference(kind: FactKind, name: str, description: str) -> Schema:
    model_field = kind.model_field(name)
    target = referred_kind(kind, name)
    if target not in listed_kinds():
        return _ref(target.document)  # written out whole
    (key,) = target.natural_key
    key_field = target.model_field(key)
    null = ", or null" if model_field.null else ""
    return {
        "type": ["string", "null"] if model_field.null else "string",
        "minLength": 1,
        "maxLength": key_field.max_length,
        "description": f"{description}: a name listed in $.{target.key}{null}",
    }


def _child(child: FactKind) -> Schema:
    return _ref(child.document) if child.singular else _list_of(child)


# The most objects one list of a dossier may hold: far above any real asset (the largest ClinicalTrials.gov records list
# about 2,000 sites), so a document that would take minutes to write is refused by the schema before anything is read
# further. Sites get the registry import's own bound.
MAX_ITEMS = 1_000
MAX_ITEMS_OF = {"sites": 3_000}


def _list_of(kind: FactKind) -> Schema:
    return {"type": "array", "maxItems": MAX_ITEMS_OF.get(kind.key, MAX_ITEMS), "items": _ref(kind.document)}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


def _references(definitions: Schema) -> set[str]:
    """The names of the shared definitions the kinds' definitions point to."""
    text = json.dumps(definitions)
    return {name for name in SHARED if f'"#/$defs/{name}"' in text}

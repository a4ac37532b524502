"""Checking a document against ``schema.json``: every problem at once, each at the path of the value to fix."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaViolation

from assets.dossier.errors import DossierProblem, json_path

SCHEMA_PATH = Path(__file__).with_name("schema.json")


@cache
def dossier_schema() -> dict[str, Any]:
    """The published format, read once."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator() -> Draft202012Validator:
    # Formats are only annotations in draft 2020-12 unless a checker asserts them: "2026-13-01" must be refused.
    return Draft202012Validator(dossier_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_problems(document: Any) -> list[DossierProblem]:
    """Every way the document breaks the schema (not just the first)."""
    return [problem for violation in _validator().iter_errors(document) for problem in _problems(violation)]


def _problems(violation: SchemaViolation) -> Iterator[DossierProblem]:
    """Point at the value to fix: a missing or unexpected key gets its own path, not its object's."""
    parts = list(violation.absolute_path)
    instance = violation.instance
    if violation.validator == "required" and isinstance(instance, dict) and isinstance(violation.validator_value, list):
        missing = [key for key in violation.validator_value if key not in instance]
        # jsonschema reports each missing key separately; its message names the key, so match on that.
        key = next((key for key in missing if repr(key) in violation.message), None)
        if key is not None:
            yield DossierProblem(json_path([*parts, key]), "is required but missing")
            return
    if (
        violation.validator == "additionalProperties"
        and isinstance(instance, dict)
        and isinstance(violation.schema, dict)
    ):
        known = set(violation.schema.get("properties", {}))
        for key in sorted(set(instance) - known):
            yield DossierProblem(json_path([*parts, key]), "is not a field of this object")
        return
    yield DossierProblem(json_path(parts), _message(violation))


def _message(violation: SchemaViolation) -> str:
    """The schema's own description of a value format reads better than the regular expression behind it; a list
    over its bound is counted, never echoed (jsonschema's own message would print every item)."""
    if violation.validator == "maxItems" and isinstance(violation.instance, list):
        parts = list(violation.absolute_path)
        what = str(parts[-1]).replace("_", " ") if parts and isinstance(parts[-1], str) else "items"
        return f"lists {len(violation.instance):,} {what}; a dossier may list at most {violation.validator_value:,}"
    description = violation.schema.get("description") if isinstance(violation.schema, dict) else None
    shaped = isinstance(violation.schema, dict) and ("pattern" in violation.schema or "format" in violation.schema)
    if description and shaped and violation.validator in {"pattern", "format", "type"}:
        return f"{json.dumps(violation.instance, ensure_ascii=False)} is not {description}"
    if violation.validator == "enum" and isinstance(violation.validator_value, list):
        allowed = ", ".join(json.dumps(value, ensure_ascii=False) for value in violation.validator_value)
        return f"{json.dumps(violation.instance, ensure_ascii=False)} is not one of {allowed}"
    return violation.message

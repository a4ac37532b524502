"""What people read for a model's field and its stored values: the field's verbose name and the choice's label,
never the code's name (``planned_enrollment``, ``grade_a_tertiary``). The one labelling function of every page that
shows fields by name: histories, stale-edit conflicts, memo comparisons."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst

EMPTY = "(empty)"


def model_field(model: type[models.Model], name: str) -> models.Field[Any, Any] | None:
    """The model's own field called ``name`` or whose column is ``name`` (``hospital_id``); None for any other."""
    try:
        found: object = model._meta.get_field(name)
    except FieldDoesNotExist:
        found = next((f for f in model._meta.concrete_fields if f.attname == name), None)
    return found if isinstance(found, models.Field) else None


def field_label(model: type[models.Model], name: str) -> str:
    """The field's verbose name as a form shows it; a name the model does not have reads as words."""
    field = model_field(model, name)
    if field is not None:
        return capfirst(str(field.verbose_name))
    return capfirst(name.replace("_", " ").strip())


def value_label(model: type[models.Model], name: str, value: object) -> str:
    """A stored value as people read it: a choice's label, yes or no, a date in ISO form, a list comma-separated;
    an empty value as ``EMPTY``. A related object is shown by its own ``str``; a bare key of one (from a history
    record) by what the caller looked up, or as stored."""
    if value is None or value == "" or value == []:
        return EMPTY
    field = model_field(model, name)
    chosen = getattr(field, "base_field", field)  # a list field's choices are its items'
    if chosen is not None and chosen.choices:
        choices = dict(chosen.flatchoices)
        if isinstance(value, list | tuple):
            return ", ".join(str(choices.get(each, each)) for each in value)
        return str(choices.get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)

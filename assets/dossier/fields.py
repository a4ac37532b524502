"""Which model fields a dossier carries, and how each value crosses between the document and the model.

The fields are the registry's (``assets.kinds``): export, import and ``schema.json`` all read them there, so a field
added to a kind travels both ways and is described by the schema.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from django.db import models

from assets.kinds import ALL_KINDS, children_of, kind_of

FORMAT: Final = "iit-diligence-dossier"
VERSION: Final = 1

# The plain fields of each object by model, in the order a reader meets them: the registry's, as a table for readers
# that want names only. References (companies, the hospital) and child lists sit beside them under the registry's keys.
FIELDS: Final[dict[type[models.Model], tuple[str, ...]]] = {kind.model: kind.field_names for kind in ALL_KINDS}


class _Skip:
    """A document value the model must not see (the schema already refused it)."""


SKIP: Final = _Skip()


def document_keys(model: type[models.Model]) -> tuple[str, ...]:
    """Every key an object of this model may carry in the document."""
    kind = kind_of(model)
    return (
        kind.field_names
        + tuple(reference.name for reference in kind.references)
        + tuple(child.key for child in children_of(kind))
    )


def to_document(model: type[models.Model], name: str, value: Any) -> Any:
    """A model value as JSON: decimals as fixed-point strings (never floats), dates as YYYY-MM-DD, moments in ISO 8601
    with their offset."""
    field = model._meta.get_field(name)
    if value is None:
        return None
    if isinstance(field, models.DecimalField):
        return f"{Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places)):f}"
    if isinstance(field, models.DateField):
        return value.isoformat()
    return value


def from_document(model: type[models.Model], name: str, value: Any) -> Any:
    """A document value for the model, or SKIP when it cannot be one (the schema reports why)."""
    field = model._meta.get_field(name)
    if value is None:
        return None
    if isinstance(field, models.DecimalField):
        if not isinstance(value, str):
            return SKIP
        try:
            return Decimal(value)
        except InvalidOperation:
            return SKIP
    if isinstance(field, models.DateTimeField):  # before DateField, its base class
        try:
            moment = dt.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return SKIP
        return moment if moment.tzinfo else SKIP
    if isinstance(field, models.DateField):
        try:
            return dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            return SKIP
    return value


def values_of(instance: models.Model) -> dict[str, Any]:
    """The instance's plain fields as document values."""
    model = type(instance)
    return {name: to_document(model, name, getattr(instance, name)) for name in kind_of(model).field_names}

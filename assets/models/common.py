"""Shared building blocks: tri-state answers, partial-date precision, and the versioned, audited fact base."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.core.exceptions import ValidationError
from django.db import models

from assets.models.constraints import validate_constraints_batched

if TYPE_CHECKING:
    from teams.models import User


class TriState(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Unknown"


class DatePrecision(models.TextChoices):
    """How much of a date is known: registries often give only "2010-05"; the unknown day (and month) is stored as 1."""

    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class Phase(models.TextChoices):
    PRECLINICAL = "preclinical", "Preclinical"
    EARLY_PHASE_1 = "early_phase_1", "Early phase 1"
    PHASE_1 = "phase_1", "Phase 1"
    PHASE_1_2 = "phase_1_2", "Phase 1/2"
    PHASE_2 = "phase_2", "Phase 2"
    PHASE_2_3 = "phase_2_3", "Phase 2/3"
    PHASE_3 = "phase_3", "Phase 3"
    PHASE_4 = "phase_4", "Phase 4"
    FILED = "filed", "Filed (BLA/NDA)"
    APPROVED = "approved", "Approved"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


PHASE_ORDER = {value: index for index, value in enumerate(Phase.values)}


class VersionedFact(models.Model):
    """A fact a team edits: ``version`` refuses stale saves, timestamps say when it last moved.

    Each subclass names the ORM path to its owning team (``team_path``, followed by the access policy) and to
    its asset (``asset_path``: ``""`` for the asset itself, None where there is none).
    """

    team_path: ClassVar[str | None] = None
    asset_path: ClassVar[str | None] = None
    # Each concrete fact has its own ``history = HistoricalRecords()``; simple-history ships no types, so the
    # manager is Any. ``_history_user`` is its documented hook for naming who made the next save.
    history: Any
    _history_user: User | None

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        """Django checks that each foreign key's target exists with a query. A target this instance holds was read
        from (or written to) the database in this request, so that query is skipped; the database's foreign key
        constraint still guards the write. ``is_cached`` and ``get_cached_value`` are Django's private field-cache API
        (checked against Django 6.1; ``tests/test_django_internals.py`` fails, naming this method, if they change)."""
        exclude = set(exclude or ())
        for field in self._meta.concrete_fields:
            if field.many_to_one and isinstance(field, models.ForeignKey) and field.is_cached(self):
                target = field.get_cached_value(self)
                if target is None or target._state.adding:
                    continue
                if target.pk is not None and target.pk == getattr(self, field.attname):
                    exclude.add(field.name)
        super().clean_fields(exclude=exclude)

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        validate_constraints_batched(self, None if exclude is None else set(exclude))


def tri_state_field(verbose_name: str) -> models.CharField:
    return models.CharField(verbose_name, max_length=8, choices=TriState.choices, default=TriState.UNKNOWN)


def precision_field() -> models.CharField:
    return models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)


def choice_constraint(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": choices.values}), name=name)


def date_order_constraint(earlier: str, later: str, name: str) -> models.CheckConstraint:
    """``later`` is on or after ``earlier`` whenever both are known."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{earlier}__isnull": True})
        | models.Q(**{f"{later}__isnull": True})
        | models.Q(**{f"{later}__gte": models.F(earlier)}),
        name=name,
    )


def check_date_order(instance: models.Model, pairs: list[tuple[str, str]]) -> None:
    """The same rule as ``date_order_constraint``, as a form error beside the later field."""
    errors = {}
    for earlier, later in pairs:
        first, second = getattr(instance, earlier), getattr(instance, later)
        if first and second and second < first:
            # get_field also finds reverse relations, which a date never is.
            label_first = cast(models.Field, instance._meta.get_field(earlier)).verbose_name
            errors[later] = f"Must be on or after the {label_first} ({first:%Y-%m-%d})."
    if errors:
        raise ValidationError(errors)


def format_partial_date(value: dt.date | None, precision: str) -> str:
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value:%Y}"
    if precision == DatePrecision.MONTH:
        return f"{value:%Y-%m}"
    return f"{value:%Y-%m-%d}"


def truncate_to_precision(value: dt.date | None, precision: str) -> dt.date | None:
    """A partial date is stored as the first day of what is known: 2010-05 as 2010-05-01, 2010 as 2010-01-01."""
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return value.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return value.replace(day=1)
    return value

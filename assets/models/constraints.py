"""Model validation of check constraints in one query per save.

Django tests each ``CheckConstraint`` with its own query, inside its own savepoint: three statements per
constraint, 27 for a study's nine, before the row is written. ``validate_constraints_batched`` asks the database
about all of them in one SELECT; only when one fails does it fall back to Django's one-by-one validation, so the
errors users see are exactly Django's. A unique constraint that holds only for filled-in values is not asked about a
blank one, nor one the saver has just looked up itself (``UNIQUE_LOOKED_UP``).

Private Django API, checked against Django 6.1: the query is built as Django's own ``CheckConstraint.validate`` and
``Q.check`` build theirs (``Model._get_field_expression_map``, ``BaseConstraint._expression_refs_exclude``,
``sql.Query(None)`` run with ``execute_sql(SINGLE)``). Django has no public way to test several conditions in one
query; ``tests/test_django_internals.py`` fails, naming this module, when an upgrade changes any of them.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, models, router, transaction
from django.db.models import BooleanField, CheckConstraint, Q, UniqueConstraint, Value
from django.db.models.functions import Coalesce
from django.db.models.sql import Query
from django.db.models.sql.constants import SINGLE

logger = logging.getLogger(__name__)


def _checks(instance: models.Model, exclude: set[str] | None) -> list[CheckConstraint]:
    return [
        constraint
        for model, constraints in instance.get_constraints()
        for constraint in constraints
        if isinstance(constraint, CheckConstraint)
        # A private helper of Django's own validation, which django-stubs does not describe.
        and not (exclude and constraint._expression_refs_exclude(model, constraint.condition, exclude))  # type: ignore[attr-defined]
    ]


def check_constraints_hold(instance: models.Model, *, exclude: set[str] | None, using: str) -> bool:
    """Whether every check constraint holds for the unsaved values, asked in one query. UNKNOWN passes, as in the
    database; a query the database cannot run answers False, leaving the verdict to Django's own validation."""
    checks = _checks(instance, exclude)
    if not checks:
        return True
    query = Query(None)
    field_values = instance._get_field_expression_map(meta=instance._meta, exclude=exclude)  # type: ignore[attr-defined]
    for name, value in field_values.items():
        query.add_annotation(value if hasattr(value, "resolve_expression") else Value(value), name, select=False)
    for n, constraint in enumerate(checks):
        query.add_annotation(Coalesce(Q(constraint.condition), True, output_field=BooleanField()), f"check_{n}")
    connection = connections[using]
    savepoint = transaction.atomic(using=using) if connection.in_atomic_block else nullcontext()
    try:
        with savepoint:
            row = query.get_compiler(using=using).execute_sql(SINGLE)
    except DatabaseError as error:
        logger.warning("check constraints of %s could not be tested together: %s", type(instance).__name__, error)
        return False
    return row is not None and all(row)


# The instance attribute naming the unique constraints its saver has just looked up itself, in the same transaction
# and by the same expression, and found unbroken (``fact_save(unique_looked_up=...)``): not asked again. Asking
# again would prove no more: only the database's own constraint stops a concurrent insert.
UNIQUE_LOOKED_UP = "_unique_looked_up"


def _holds_only_when_filled_in_and_blank(constraint: object, instance: models.Model) -> bool:
    """A unique constraint on filled-in values only (``condition=~Q(nct_id="")``) cannot be broken by a blank one:
    no query to ask (Django would ask, with the condition in SQL)."""
    if not isinstance(constraint, UniqueConstraint) or constraint.condition is None:
        return False
    return any(constraint.condition == ~Q(**{name: ""}) and getattr(instance, name) == "" for name in constraint.fields)


def validate_constraints_batched(instance: models.Model, exclude: set[str] | None) -> None:
    """``Model.validate_constraints`` with the check constraints tested together (see the module docstring)."""
    using = router.db_for_write(type(instance), instance=instance)
    if not check_constraints_hold(instance, exclude=exclude, using=using):
        models.Model.validate_constraints(instance, exclude=exclude)  # Django's messages for what failed
        return
    errors: dict[str, list[ValidationError]] = {}
    looked_up: frozenset[str] = getattr(instance, UNIQUE_LOOKED_UP, frozenset())
    for model, constraints in instance.get_constraints():
        for constraint in constraints:
            if isinstance(constraint, CheckConstraint) or _holds_only_when_filled_in_and_blank(constraint, instance):
                continue
            if isinstance(constraint, UniqueConstraint) and constraint.name in looked_up:
                continue
            try:
                constraint.validate(model, instance, exclude=exclude, using=using)
            except ValidationError as error:
                # As Model.validate_constraints files them: a one-field unique error under its field.
                if (
                    isinstance(constraint, UniqueConstraint)
                    and getattr(error, "code", None) == "unique"
                    and len(constraint.fields) == 1
                ):
                    errors.setdefault(constraint.fields[0], []).append(error)
                else:
                    errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)

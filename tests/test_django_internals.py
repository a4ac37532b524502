"""Django internals the project leans on, each checked against the installed Django: when an upgrade changes one,
the test here fails first and names the code to revisit. All were checked against Django 6.1; Django offers no
public way to do what they do (each place says why it uses them)."""

from __future__ import annotations

import datetime as dt
import inspect

import django
import pytest
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CheckConstraint, Q
from django.db.models.constraints import BaseConstraint
from django.db.transaction import Atomic
from django.test.utils import CaptureQueriesContext
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from assets.models import Asset, Study
from assets.models.constraints import check_constraints_hold
from assets.registry.savepoints import savepoints_skipped
from teams.models import DealTeam
from tests.factories import StudyFactory
from tests.urlwalk import declared_methods

CHECKED_AGAINST = "Django 6.1"


def revisit(where: str, what: str) -> str:
    return f"Django {django.get_version()} changed {what}; {where} relies on it (checked against {CHECKED_AGAINST})"


# --- assets/models/constraints.py: every check constraint tested in one query -----------------------------------

CONSTRAINTS = "assets/models/constraints.py (check constraints validated in one query)"


def test_the_batched_check_still_builds_its_query_the_way_django_does():
    """The batch copies Django's own recipe; if Django's CheckConstraint.validate or Q.check changes how it builds
    the query, the copy no longer matches what Django would decide."""
    validate = inspect.getsource(CheckConstraint.validate)
    q_check = inspect.getsource(Q.check)
    for part, source, name in [
        ("_get_field_expression_map(meta=", validate, "CheckConstraint.validate's field values"),
        ("_expression_refs_exclude(", validate, "CheckConstraint.validate's skipping of excluded fields"),
        ("Coalesce(condition, True, output_field=BooleanField())", validate, "how UNKNOWN passes a check"),
        ("Query(None)", q_check, "Q.check's model-less query"),
        ("execute_sql(SINGLE)", q_check, "Q.check's execution"),
        ("add_annotation(value, name, select=False)", q_check, "Q.check's values as annotations"),
    ]:
        assert part in source, revisit(CONSTRAINTS, name)
    expression_map = inspect.signature(models.Model._get_field_expression_map).parameters  # type: ignore[attr-defined]
    assert {"meta", "exclude"} <= set(expression_map), revisit(CONSTRAINTS, "Model._get_field_expression_map")
    refs = inspect.signature(BaseConstraint._expression_refs_exclude).parameters  # type: ignore[attr-defined]
    assert list(refs)[-3:] == ["model", "expression", "exclude"], revisit(CONSTRAINTS, "_expression_refs_exclude")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values",
    [{}, {"status": "no-such-status"}, {"start_date": dt.date(2022, 1, 1), "completion_date": dt.date(2021, 1, 1)},
     {"start_date": None, "completion_date": dt.date(2021, 1, 1)}],
)  # fmt: skip
def test_the_batched_check_decides_as_djangos_own_validation(world, values):
    study = StudyFactory.build(team=world.phoenix, asset=None, **values)
    djangos = True
    for constraint in Study._meta.constraints:
        if isinstance(constraint, CheckConstraint):
            try:
                constraint.validate(Study, study)
            except ValidationError:
                djangos = False
    batched = check_constraints_hold(study, exclude=None, using="default")
    assert batched == djangos, revisit(CONSTRAINTS, "the result of the batched check constraint query")


# --- assets/models/common.py: a held foreign key is not read again ------------------------------------------------

HELD = "VersionedFact.clean_fields in assets/models/common.py (a held foreign key is not read again)"


def test_the_field_cache_api_still_tells_a_held_related_object():
    team_field = Asset._meta.get_field("team")
    for name in ("is_cached", "get_cached_value"):
        assert callable(getattr(team_field, name, None)), revisit(HELD, f"ForeignKey.{name}")
    team = DealTeam(pk=7, name="Held", slug="held")
    held, by_id = Asset(team=team), Asset(team_id=7)
    assert team_field.is_cached(held) and team_field.get_cached_value(held) is team, revisit(HELD, "is_cached")
    assert not team_field.is_cached(by_id), revisit(HELD, "is_cached on an id alone")


# --- assets/registry/savepoints.py: no savepoints inside a registry file's transaction ----------------------------

SAVEPOINTS = "assets/registry/savepoints.py (no savepoints inside a registry file's transaction)"


def test_atomic_blocks_still_ask_the_connection_features_for_a_savepoint():
    allowed = inspect.getsource(BaseDatabaseWrapper._savepoint_allowed)  # type: ignore[attr-defined]
    assert "self.features.uses_savepoints" in allowed, revisit(SAVEPOINTS, "BaseDatabaseWrapper._savepoint_allowed")
    assert "connection.savepoint()" in inspect.getsource(Atomic.__enter__), revisit(SAVEPOINTS, "Atomic.__enter__")


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite's backend decides its savepoints itself, whatever it is told"
)
@pytest.mark.django_db
def test_nested_blocks_take_no_savepoint_inside_savepoints_skipped_and_errors_still_roll_back():
    # The outer block takes a savepoint of its own (inside the test's transaction); the inner one takes none.
    with CaptureQueriesContext(connection) as captured, pytest.raises(RuntimeError), transaction.atomic():  # noqa: SIM117
        with savepoints_skipped(), transaction.atomic():
            DealTeam.objects.create(name="Inner", slug="inner")
            raise RuntimeError
    taken = [q["sql"].split()[0] for q in captured.captured_queries if "SAVEPOINT" in q["sql"]]
    assert taken == ["SAVEPOINT", "ROLLBACK", "RELEASE"], revisit(SAVEPOINTS, "the savepoints atomic blocks take")
    assert not DealTeam.objects.filter(slug="inner").exists()  # rolled back with the enclosing block
    assert connection.features.uses_savepoints is True  # and savepoints are back


def test_savepoints_are_skipped_only_inside_an_atomic_block():
    with pytest.raises(RuntimeError, match="inside an atomic block"), savepoints_skipped():
        pass


# --- tests/urlwalk.py: the methods a function view declares -------------------------------------------------------

WALK = "tests/urlwalk.py declared_methods (the URL walk and the IDOR probes)"


@pytest.mark.parametrize(
    ("decorator", "methods"),
    [(require_http_methods(["GET", "DELETE"]), {"GET", "DELETE"}), (require_GET, {"GET"}),
     (require_POST, {"POST"}), (require_safe, {"GET", "HEAD"})],
)  # fmt: skip
def test_the_methods_a_view_declares_are_still_readable(decorator, methods):
    def view(request: object) -> None:
        return None

    assert declared_methods(decorator(view)) == methods, revisit(
        WALK, "where require_http_methods keeps its request_method_list"
    )

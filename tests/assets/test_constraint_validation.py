"""Model validation tests every check constraint in one query, and still reports a violation in Django's words."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.models import Study
from tests.factories import StudyFactory


def test_a_valid_study_is_checked_in_one_query_for_all_its_check_constraints(world):
    study = StudyFactory.build(team=world.phoenix, asset=None, nct_id="NCT01234567")
    checks = [c for c in Study._meta.constraints if c.__class__.__name__ == "CheckConstraint"]
    assert len(checks) >= 5
    with CaptureQueriesContext(connection) as captured:
        study.validate_constraints()
    check_queries = [q["sql"] for q in captured if "check_0" in q["sql"]]
    assert len(check_queries) == 1
    assert all(f"check_{n}" in check_queries[0] for n in range(len(checks)))


@pytest.mark.parametrize(
    ("values", "field_or_message"),
    [
        ({"start_date": dt.date(2022, 1, 1), "completion_date": dt.date(2021, 1, 1)}, "study_completion_after_start"),
        ({"status": "no-such-status"}, "status"),
    ],
)
def test_a_violated_check_constraint_is_reported_as_django_reports_it(world, values, field_or_message):
    study = StudyFactory.build(team=world.phoenix, asset=None, **values)
    with pytest.raises(ValidationError) as raised:
        study.validate_constraints()
    assert field_or_message in str(raised.value.message_dict)


def test_a_duplicate_nct_id_in_the_team_is_still_refused(world):
    StudyFactory(team=world.phoenix, asset=None, nct_id="NCT07654321")
    with pytest.raises(ValidationError):
        StudyFactory.build(team=world.phoenix, asset=None, nct_id="NCT07654321").validate_constraints()
    StudyFactory.build(team=world.atlas, asset=None, nct_id="NCT07654321").validate_constraints()  # another team's


def test_a_held_foreign_key_is_not_read_again_but_an_unknown_id_still_is(world):
    study = StudyFactory.build(team=world.phoenix, asset=None)
    with CaptureQueriesContext(connection) as held:
        study.clean_fields()
    assert not [q for q in held if "teams_dealteam" in q["sql"]]
    orphan = StudyFactory.build(team=None, asset=None)
    orphan.team_id = 987_654
    with pytest.raises(ValidationError) as raised:
        orphan.clean_fields()
    assert "team" in raised.value.message_dict

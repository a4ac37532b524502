"""Fields and values reach people by their labels, never by the code's names: histories, stale-edit conflicts,
memo comparisons, checklist rows (``teams.labels``)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from assets.models import Study
from assets.models.hospitals import HospitalGrade
from diligence.memos.diff import snapshot_diff
from diligence.services import memos
from diligence.services.checklists import review_start
from teams.labels import field_label, value_label
from tests.assets.test_views import study_form_data
from tests.factories import HospitalFactory, StudyFactory, StudySiteFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
CODE_NAMES = ("planned_enrollment", "grade_a_tertiary", "verified_grade", "generated_display", "dossier.")


def test_labels_are_the_models_verbose_names_and_choice_labels():
    assert field_label(Study, "planned_enrollment") == "Planned enrollment"
    assert field_label(Study, "no_such_field") == "No such field"
    from assets.models import StudySite

    assert field_label(StudySite, "verified_grade") == "Grade the team verified"
    assert value_label(StudySite, "verified_grade", "grade_a_tertiary") == "Grade A tertiary (三级甲等)"
    assert value_label(StudySite, "first_enrolled_on", dt.date(2024, 4, 1)) == "2024-04-01"
    assert value_label(Study, "planned_enrollment", None) == "(empty)"


def test_history_names_fields_and_values_as_people_read_them(world, client_as):
    site = StudySiteFactory(study__asset__team=world.phoenix, hospital__name_en="First Hospital")
    study = site.study
    study.planned_enrollment = 40
    study.save()
    site.verified_grade = HospitalGrade.GRADE_A_TERTIARY
    site.grade_verified_on = dt.date(2024, 5, 1)
    site.hospital = HospitalFactory(name_en="Second Hospital")
    site.save()
    client = client_as("member")
    pages = [
        client.get(reverse("assets:study_history", args=[study.pk]), **HTMX).content.decode(),
        client.get(reverse("assets:site_history", args=[site.pk]), **HTMX).content.decode(),
        client.get(reverse("assets:asset_detail", args=[study.asset_id]), {"tab": "history"}).content.decode(),
    ]
    assert "Planned enrollment:" in pages[0] and "<ins>40</ins>" in pages[0]
    assert "Grade the team verified:" in pages[1] and "Grade A tertiary (三级甲等)" in pages[1]
    assert "<del>First Hospital" in pages[1] and "<ins>Second Hospital" in pages[1]  # the hospital, not its id
    assert "Team verified the grade on:" in pages[2] and "2024-05-01" in pages[2]
    for page in pages:
        for code_name in CODE_NAMES:
            assert code_name not in page.replace("dossier.json", "")  # the download link's file name


def test_a_stale_edit_shows_fields_and_values_by_their_labels(world, client_as):
    study = StudyFactory(asset__team=world.phoenix, phase="phase_1")
    data = {**study_form_data(study), "phase": "phase_1_2"}
    Study.objects.filter(pk=study.pk).update(phase="early_phase_1", version=study.version + 1)
    body = client_as("member").post(reverse("assets:study_edit", args=[study.pk]), data, **HTMX).content.decode()
    conflict = body[body.index("changed this record while you were editing") : body.index("</table>")]
    assert "<td>Phase</td><td>Early phase 1</td><td>Phase 1/2</td>" in conflict
    assert "phase_1" not in conflict and "early_phase_1" not in conflict


def test_the_memo_comparison_names_facts_not_json_paths(world, client_as):
    site = StudySiteFactory(study__asset__team=world.phoenix, study__nct_id="NCT01234567")
    asset = site.study.asset
    assert asset is not None
    review_start(asset=asset, user=world.member)

    def rendered():
        memo = memos.memo_request(asset=asset, user=world.member)
        assert memos.memo_render(memo_id=memo.pk) is True
        memo.refresh_from_db()
        return memo

    first = rendered()
    Study.objects.filter(pk=site.study_id).update(planned_enrollment=120)
    site.verified_grade, site.grade_verified_on = HospitalGrade.GRADE_A_TERTIARY, dt.date(2024, 5, 1)
    site.save()
    second = rendered()
    rows = {row.label: row for row in snapshot_diff(old=first.snapshot, new=second.snapshot)}
    assert rows["Facts › Study NCT01234567 › Planned enrollment"].new == "120"
    graded = next(row for label, row in rows.items() if label.endswith("› Grade the team verified"))
    assert graded.label.startswith("Facts › Study NCT01234567 › Study site ")
    assert graded.new == "Grade A tertiary (三级甲等)"
    body = client_as("partner").get(reverse("diligence:memo_diff", args=[second.pk])).content.decode()
    assert "Study NCT01234567 › Planned enrollment" in body
    table = body[body.index("<table") :]
    for code_name in CODE_NAMES:
        assert code_name not in table
    assert not re.search(r"\w+\[\d+\]", table)  # no list index of a JSON path


def test_checklist_rows_say_what_their_two_numbers_count(world, client_as):
    review = world.facts.review
    body = client_as("member").get(review.get_absolute_url()).content.decode()
    assert "Evidence files · comments" in body
    row = body[body.index(f'id="item-{world.facts.review_item.pk}"') :]
    assert f'id="item-{world.facts.review_item.pk}-counts">1 file · 0 comments<' in row

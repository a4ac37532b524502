"""A save made after a colleague's: what only one of them changed is merged, and only a field both changed to
different values is a conflict that asks, showing both values, with nothing saved. The one mechanism
(``assets.services.stale_merge``) serves every versioned form: facts, the shared hospitals, checklist items."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assets.models import Study
from assets.services import StaleEdit, fact_save
from diligence.models import ReviewItem
from diligence.services.checklists import review_item_update, review_start
from tests.assets.test_views import study_form_data
from tests.factories import AssetFactory, StudyFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_fields_changed_on_one_side_each_are_both_kept(world):
    study = StudyFactory(asset__team=world.phoenix, title="Original title", acronym="ORIG", phase="phase_1")
    started = study.version
    colleague = Study.objects.get(pk=study.pk)
    colleague.title = "Colleague's title"
    fact_save(instance=colleague, user=world.lead, expected_version=started)
    mine = Study.objects.get(pk=study.pk)  # the form loads the record as it now stands, then applies the post
    mine.title, mine.acronym = "Original title", "MINE"  # the user's form still shows the title they opened
    saved = fact_save(instance=mine, user=world.member, expected_version=started)
    stored = Study.objects.get(pk=study.pk)
    assert (stored.title, stored.acronym) == ("Colleague's title", "MINE")
    assert stored.version == saved.version == started + 2
    assert stored.history.latest().history_user == world.member


def test_a_field_both_changed_differently_is_a_conflict_and_nothing_is_saved(world):
    study = StudyFactory(asset__team=world.phoenix, title="Original title", acronym="ORIG")
    started = study.version
    colleague = Study.objects.get(pk=study.pk)
    colleague.title, colleague.acronym = "Colleague's title", "THEIRS"
    fact_save(instance=colleague, user=world.lead, expected_version=started)
    mine = Study.objects.get(pk=study.pk)
    mine.title, mine.acronym = "Original title", "MINE"
    with pytest.raises(StaleEdit) as refused:
        fact_save(instance=mine, user=world.member, expected_version=started)
    assert refused.value.conflicts == ("acronym",)
    assert refused.value.theirs_only == ("title",)
    stored = Study.objects.get(pk=study.pk)
    assert (stored.title, stored.acronym, stored.version) == ("Colleague's title", "THEIRS", started + 1)


def test_the_same_change_on_both_sides_is_no_conflict(world):
    study = StudyFactory(asset__team=world.phoenix, acronym="ORIG")
    started = study.version
    for user in (world.lead, world.member):
        edit = Study.objects.get(pk=study.pk)
        edit.acronym = "SAME"
        fact_save(instance=edit, user=user, expected_version=started)
    assert Study.objects.get(pk=study.pk).acronym == "SAME"


def test_the_edit_form_merges_and_shows_only_a_real_conflict(world, client_as):
    study = StudyFactory(asset__team=world.phoenix, title="Original title", phase="phase_1")
    opened = study_form_data(Study.objects.get(pk=study.pk))  # the form as the user opened it
    url = reverse("assets:study_edit", args=[study.pk])
    client_as("lead").post(url, {**opened, "title": "Lead's title"}, **HTMX)
    merged = client_as("member").post(url, {**opened, "phase": "phase_2"}, **HTMX)
    assert merged.status_code == 200
    stored = Study.objects.get(pk=study.pk)
    assert (stored.title, stored.phase) == ("Lead's title", "phase_2")  # both kept, no question asked

    opened = study_form_data(stored)
    client_as("lead").post(url, {**opened, "phase": "phase_3", "title": "Lead's second title"}, **HTMX)
    refused = client_as("member").post(url, {**opened, "phase": "phase_1_2"}, **HTMX)
    body = refused.content.decode()
    assert refused.status_code == 409
    conflict = body[body.index("changed this record while you were editing") : body.index("</table>")]
    assert "<td>Phase</td><td>Phase 3</td><td>Phase 1/2</td>" in conflict  # both values, by their labels
    assert "title" not in conflict.lower()  # only the lead changed it: merged, not asked about
    assert Study.objects.get(pk=study.pk).phase == "phase_3"  # nothing saved
    # The form now carries the lead's title, so saving again replaces only the phase.
    assert 'value="Lead&#x27;s second title"' in body
    again = client_as("member").post(
        url, {**opened, "version": stored.version + 1, "phase": "phase_1_2", "title": "Lead's second title"}, **HTMX
    )
    assert again.status_code == 200
    stored = Study.objects.get(pk=study.pk)
    assert (stored.title, stored.phase) == ("Lead's second title", "phase_1_2")


def test_checklist_items_merge_the_same_way(world, client_as):
    item = review_start(asset=AssetFactory(team=world.phoenix), user=world.member).items.order_by("pk")[0]
    review_item_update(item=item, user=world.lead, changes={"notes": "Lead's note"}, expected_version=1)
    review_item_update(item=item, user=world.member, changes={"status": "in_progress", "notes": ""}, expected_version=1)
    stored = ReviewItem.objects.get(pk=item.pk)
    assert (stored.status, stored.notes, stored.version) == ("in_progress", "Lead's note", 3)
    with pytest.raises(StaleEdit) as refused:
        review_item_update(item=item, user=world.member, changes={"status": "blocked"}, expected_version=2)
    assert refused.value.conflicts == ("status",)
    assert ReviewItem.objects.get(pk=item.pk).status == "in_progress"


def test_the_checklist_item_form_shows_a_conflict_with_both_values(world, client_as):
    item = review_start(asset=AssetFactory(team=world.phoenix), user=world.member).items.order_by("pk")[0]
    prefix = f"item-{item.pk}-"
    opened = {"version": 1, "status": "not_started", "na_reason": "", "assignee": "", "due_on": "", "notes": ""}
    url = reverse("diligence:review_item_edit", args=[item.pk])
    client_as("lead").post(url, {prefix + k: v for k, v in {**opened, "status": "blocked"}.items()}, **HTMX)
    refused = client_as("member").post(url, {prefix + k: v for k, v in {**opened, "status": "done"}.items()}, **HTMX)
    body = refused.content.decode()
    assert refused.status_code == 409
    assert "<td>Status</td><td>Blocked</td><td>Done</td>" in body
    assert ReviewItem.objects.get(pk=item.pk).status == "blocked"

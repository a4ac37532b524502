"""The review page's FilterSet: the parameters the page's checkboxes and menus send, each as it always behaved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict

from diligence.filters import ReviewItemFilter
from diligence.models import ReviewItem
from diligence.selectors import reviews as selectors
from diligence.services.checklists import review_start
from diligence.services.standing import standings_rebuild
from tests.factories import AssetFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def review(world):
    review = review_start(asset=AssetFactory(team=world.phoenix), user=None)
    first, second, third = review.items.order_by("pk")[:3]
    ReviewItem.objects.filter(pk=first.pk).update(assignee=world.member, due_on=TODAY - dt.timedelta(days=1))
    ReviewItem.objects.filter(pk=second.pk).update(status="blocked", due_on=TODAY - dt.timedelta(days=1))
    ReviewItem.objects.filter(pk=third.pk).update(status="done", due_on=TODAY - dt.timedelta(days=9))
    standings_rebuild()  # the updates send no signal
    return review


def filtered(review, user, query: str) -> ReviewItemFilter:
    return ReviewItemFilter(QueryDict(query), review=review, user=user, today=TODAY)


def keys(filters: ReviewItemFilter) -> list[int]:
    return [item.pk for item in filters.results]


def test_checkboxes_narrow_the_items(world, review):
    first, second, _third = review.items.order_by("pk")[:3]
    assert keys(filtered(review, world.member, "mine=1")) == [first.pk]
    assert keys(filtered(review, world.lead, "mine=1")) == []
    assert keys(filtered(review, world.member, "overdue=1")) == [first.pk, second.pk]  # a done item is not overdue
    assert keys(filtered(review, world.member, "blocked=1")) == [second.pk]
    assert keys(filtered(review, world.member, "blocked=1&mine=1")) == []


@pytest.mark.parametrize("value", ["0", "yes", "true", ""])
def test_a_checkbox_is_on_only_as_the_page_sends_it(world, review, value):
    filters = filtered(review, world.member, f"mine={value}&blocked={value}")
    assert filters.is_valid() and not filters.active
    assert len(keys(filters)) == review.items.count()


def test_question_and_status_narrow_and_an_unknown_one_matches_nothing(world, review):
    ownership = filtered(review, world.member, "question=ownership")
    assert ownership.active and {i.question for i in ownership.results} == {"ownership"}
    assert [i.status for i in filtered(review, world.member, "status=blocked").results] == ["blocked"]
    for query in ("question=no-such", "status=no-such"):
        unknown = filtered(review, world.member, query)
        assert unknown.active and not unknown.is_valid() and keys(unknown) == []


def test_no_filter_lists_every_live_item_in_checklist_order(world, review):
    filters = filtered(review, world.member, "")
    assert not filters.active
    assert keys(filters) == list(review.items.order_by("order", "pk").values_list("pk", flat=True))


def test_the_progress_counted_from_the_unfiltered_list_is_the_progress_counted_in_sql(world, review):
    first, second, third, fourth = review.items.order_by("pk")[:4]
    ReviewItem.objects.filter(pk=fourth.pk).update(
        status="not_applicable", na_reason="No such site", due_on=TODAY - dt.timedelta(days=3)
    )
    archived = review.items.order_by("-pk")[0]
    ReviewItem.objects.filter(pk=archived.pk).update(archived_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    standings_rebuild()  # the updates send no signal
    unfiltered = filtered(review, world.member, "")
    assert not unfiltered.active
    from_items = selectors.progress_of_items(list(unfiltered.results), today=TODAY)
    in_sql = selectors.progress_by_question(review.items.all(), today=TODAY)
    assert from_items == in_sql
    # Not vacuous: the fixture's overdue, blocked and finished items are in the counts, the archived one is not.
    assert sum(p.overdue for p in in_sql) == 2 and sum(p.blocked for p in in_sql) == 1
    assert sum(p.finished for p in in_sql) == 2
    assert sum(p.total for p in in_sql) == review.items.count() - 1

"""The review page's filters over a checklist's items. Parameter names are the page's own."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import django_filters
from django.db.models import QuerySet
from django.http import QueryDict

from diligence.models import QuestionKey, Review, ReviewItem
from diligence.selectors import reviews as selectors
from teams.filters import ScopedFilterSet, ticked

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from teams.models import User

CHECKBOXES = ("mine", "overdue", "blocked")


class ReviewItemFilter(ScopedFilterSet):
    """A review's live items (``selectors.review_items``; the caller has reached the review through the access
    policy): the user's own, the overdue, the blocked, one question's, one status's."""

    mine = django_filters.CharFilter(method="assigned_to_me")
    overdue = django_filters.CharFilter(method="past_due")
    blocked = django_filters.CharFilter(method="held_up")
    question = django_filters.ChoiceFilter(choices=QuestionKey.choices, empty_label="All questions")
    status = django_filters.ChoiceFilter(choices=ReviewItem.Status.choices, empty_label="Any status")

    def __init__(self, data: QueryDict, *, review: Review, user: User | AnonymousUser, today: dt.date) -> None:
        super().__init__(data, queryset=selectors.review_item_rows(review=review), user=user)
        self.today = today

    @property
    def active(self) -> bool:
        """Whether anything narrows the list (an unknown question or status does: it matches nothing)."""
        return any(ticked(str(self.params.get(name, ""))) for name in CHECKBOXES) or any(
            self.params.get(name) for name in ("question", "status")
        )

    def assigned_to_me(self, items: QuerySet[ReviewItem], name: str, value: str) -> QuerySet[ReviewItem]:
        return items.filter(assignee_id=self.user.pk) if ticked(value) else items

    def past_due(self, items: QuerySet[ReviewItem], name: str, value: str) -> QuerySet[ReviewItem]:
        if not ticked(value):
            return items
        return items.filter(due_on__lt=self.today).exclude(status__in=selectors.FINISHED)

    def held_up(self, items: QuerySet[ReviewItem], name: str, value: str) -> QuerySet[ReviewItem]:
        return items.filter(status=ReviewItem.Status.BLOCKED) if ticked(value) else items

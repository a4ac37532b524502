"""The Django admin for people, teams and memberships (membership changes keep their history)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from teams.models import DealTeam, Membership, User


@admin.register(User)
class PersonAdmin(UserAdmin):
    # Plain multiple selects, labelled: the two-pane filter widget puts an aria-label on a bare span, which axe-core
    # (rightly) refuses.
    filter_horizontal = ()


# Admins use the admin, so it is held to the same accessibility checks as the app (tests/e2e/test_accessibility.py):
# stacked inlines label every field (a tabular one labels them only by column heading, which screen readers do not
# announce for form fields), and plain selects have the labels select2's autocomplete widgets lack.
class MembershipInline(admin.StackedInline):
    model = Membership
    extra = 1
    fields = ["user", "role"]


@admin.register(DealTeam)
class DealTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["team", "user", "role", "created_at"]
    list_filter = ["team", "role"]
    search_fields = ["user__username", "team__name"]

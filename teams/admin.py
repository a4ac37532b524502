"""The Django admin for people, teams and memberships (membership changes keep their history)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from teams.models import DealTeam, Membership, User
from teams.services.memberships import self_grant_refusal


@admin.register(User)
class PersonAdmin(UserAdmin):
    # Plain multiple selects, labelled: the two-pane filter widget puts an aria-label on a bare span, which axe-core
    # (rightly) refuses.
    filter_horizontal = ()


class MembershipAdminForm(forms.ModelForm):
    """A membership as staff edit it: refused when the staff member would be granting themselves a place."""

    actor: User | None = None  # the signed-in staff member, set per request below

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        team = cleaned.get("team") or getattr(self.instance, "team", None)
        if refusal := self_grant_refusal(actor=self.actor, team=team, user=cleaned.get("user")):
            self.add_error("user", refusal)
        return cleaned


def _form_for[F: forms.ModelForm](request: HttpRequest, form: type[F]) -> type[F]:
    actor = request.user if isinstance(request.user, User) else None
    return type(form.__name__, (form,), {"actor": actor})


# Admins use the admin, so it is held to the same accessibility checks as the app (tests/e2e/test_accessibility.py):
# stacked inlines label every field (a tabular one labels them only by column heading, which screen readers do not
# announce for form fields), and plain selects have the labels select2's autocomplete widgets lack.
class MembershipInline(admin.StackedInline):
    model = Membership
    form = MembershipAdminForm
    extra = 1
    fields = ["user", "role"]

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = _form_for(request, formset.form)
        return formset


@admin.register(DealTeam)
class DealTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    form = MembershipAdminForm

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        return _form_for(request, super().get_form(request, obj, change, **kwargs))

    list_display = ["team", "user", "role", "created_at"]
    list_filter = ["team", "role"]
    search_fields = ["user__username", "team__name"]

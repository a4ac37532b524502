"""The Django admin for checklist templates: staff draft, preview, diff and publish versions. Deal data is not
registered here, so staff never see it unless they are members of a team (and then only in the app)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import nested_admin
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseModelFormSet, Textarea
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html

from diligence.models import ChecklistTemplate, HousePolicy, TemplateItem, TemplateQuestion, TemplateVersion
from diligence.services.checklists import template_diff, template_new_draft, template_publish
from diligence.services.policy import house_policy_save
from teams.http import AuthenticatedHttpRequest


class FrozenWhenPublishedInline:
    """Inlines of a published version are read-only: a published version never changes.

    A mixin: ``super()`` is the inline class it is mixed into, which the type checker cannot see from here."""

    def _editable(self, obj: object) -> bool:
        version = obj if isinstance(obj, TemplateVersion) or obj is None else getattr(obj, "version", None)
        return version is None or not version.is_published

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]


class TemplateItemInline(FrozenWhenPublishedInline, nested_admin.NestedStackedInline):
    """Stacked, not tabular: every field gets its own label (a table labels them only by column heading, which
    screen readers do not announce for form fields)."""

    model = TemplateItem
    formfield_overrides = {
        models.TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 48})},
        models.JSONField: {"widget": Textarea(attrs={"rows": 1, "cols": 28})},
    }
    fields = ["order", "text", "wording_only", "key", "guidance", "evidence_required", "criticality", "rule_ids"]
    sortable_field_name = "order"
    extra = 0


class TemplateQuestionInline(FrozenWhenPublishedInline, nested_admin.NestedStackedInline):
    model = TemplateQuestion
    fields = ["order", "key", "title", "description"]
    sortable_field_name = "order"
    inlines = [TemplateItemInline]
    extra = 0


@admin.register(TemplateVersion)
class TemplateVersionAdmin(nested_admin.NestedModelAdmin):
    list_display = ["template", "number", "status", "published_at", "published_by"]
    list_filter = ["template", "status"]
    readonly_fields = ["template", "number", "status", "published_at", "published_by"]
    fields = ["template", "number", "status", "change_note", "published_at", "published_by"]
    inlines = [TemplateQuestionInline]
    change_form_template = "admin/diligence/templateversion/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # new versions start from "New draft" on the template

    def render_change_form(self, request: HttpRequest, context: dict, *args: Any, **kwargs: Any) -> HttpResponse:
        # The editor is one long page of nested forms: what is wrong is listed at the top, each linking to its field.
        context["error_summary"] = error_summary(
            [inline.formset for inline in context.get("inline_admin_formsets", [])]
        )
        return super().render_change_form(request, context, *args, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: TemplateVersion | None = None) -> bool:
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: TemplateVersion | None = None) -> bool:
        return (obj is None or not obj.is_published) and super().has_delete_permission(request, obj)

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("<int:version_id>/preview/", wrap(self.preview_view), name="diligence_templateversion_preview"),
            path("<int:version_id>/diff/", wrap(self.diff_view), name="diligence_templateversion_diff"),
            path("<int:version_id>/publish/", wrap(self.publish_view), name="diligence_templateversion_publish"),
            *super().get_urls(),
        ]

    def _version(self, request: HttpRequest, version_id: int) -> TemplateVersion:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(TemplateVersion.objects.select_related("template"), pk=version_id)

    def preview_view(self, request: HttpRequest, version_id: int) -> HttpResponse:
        """The checklist as a team will see it."""
        version = self._version(request, version_id)
        questions = version.questions.prefetch_related("items")
        context = {
            **self.admin_site.each_context(request),
            "version": version,
            "questions": questions,
            "title": f"Preview: {version}",
        }
        return render(request, "admin/diligence/templateversion/preview.html", context)

    def diff_view(self, request: HttpRequest, version_id: int) -> HttpResponse:
        """What changed between this version and another of the same template (by default the one before)."""
        version = self._version(request, version_id)
        others = version.template.versions.exclude(pk=version.pk).order_by("-number")
        other_id = request.GET.get("against", "")
        chosen = other_id.isascii() and other_id.isdigit()  # a hand-edited id that is not a number is no choice
        other = others.filter(pk=other_id).first() if chosen else others.filter(number__lt=version.number).first()
        diff = template_diff(old=other, new=version) if other else None
        context = {
            **self.admin_site.each_context(request),
            "version": version,
            "other": other,
            "others": others,
            "diff": diff,
            "title": f"Changes in {version}",
        }
        return render(request, "admin/diligence/templateversion/diff.html", context)

    def publish_view(self, request: AuthenticatedHttpRequest, version_id: int) -> HttpResponse:
        version = self._version(request, version_id)
        if not self.has_change_permission(request, version):
            messages.error(request, f"{version} cannot be published by you, or is published already.")
        elif request.method == "POST":
            try:
                template_publish(version=version, user=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request, f"{version.template} version {version.number} is published; it is now frozen."
                )
        else:
            context = {**self.admin_site.each_context(request), "version": version, "title": f"Publish {version}?"}
            return render(request, "admin/diligence/templateversion/publish.html", context)
        return HttpResponseRedirect(reverse("admin:diligence_templateversion_change", args=[version.pk]))


@dataclass(frozen=True)
class FormError:
    where: str
    message: str
    anchor: str


def error_summary(formsets: list[BaseModelFormSet], where: str = "") -> list[FormError]:
    """Every error of the formsets and the forms nested in them, named by where it is ("Question 2 › item 3: key")
    with the id of the field (or form) to link to."""
    errors: list[FormError] = []
    for formset in formsets:
        noun = "question" if formset.model is TemplateQuestion else "item"
        errors += [FormError(where or "Checklist", str(message), "") for message in formset.non_form_errors()]
        for number, form in enumerate(formset.forms, start=1):
            if getattr(form, "cleaned_data", {}).get("DELETE"):
                continue
            place = f"{where} › {noun} {number}" if where else f"{noun.capitalize()} {number}"
            for name, field_errors in form.errors.items():
                field = form.fields.get(name)
                label = field.label if field is not None and field.label else "this " + noun
                anchor = form[name].auto_id if field is not None else ""
                errors += [FormError(f"{place}: {label}", str(message), anchor or "") for message in field_errors]
            errors += error_summary(getattr(form, "nested_formsets", None) or [], place)
    return errors


class TemplateVersionInline(admin.TabularInline):
    model = TemplateVersion
    readonly_fields = ("number", "status", "published_at", "published_by", "change_note")
    fields = readonly_fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "draft", "created_at"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TemplateVersionInline]
    actions = ["start_new_draft"]
    change_form_template = "admin/diligence/checklisttemplate/change_form.html"

    @admin.display(description="Draft")
    def draft(self, template: ChecklistTemplate) -> str:
        draft = template.versions.filter(status=TemplateVersion.Status.DRAFT).first()
        if draft is None:
            return "—  (start one from the template's page)"
        url = reverse("admin:diligence_templateversion_change", args=[draft.pk])
        return format_html('<a href="{}">Edit draft version {}</a>', url, draft.number)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        template = self.get_object(request, object_id)
        if template is not None:
            extra_context = {
                **(extra_context or {}),
                "draft_version": template.versions.filter(status=TemplateVersion.Status.DRAFT).first(),
                "latest_version": template.latest_published(),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:template_id>/new-draft/", wrap(self.new_draft_view), name="diligence_checklisttemplate_new_draft"
            ),
            *super().get_urls(),
        ]

    def new_draft_view(self, request: AuthenticatedHttpRequest, template_id: int) -> HttpResponse:
        """The button on the template's page: its draft (a copy of the latest published version), opened."""
        template = get_object_or_404(ChecklistTemplate, pk=template_id)
        if request.method != "POST" or not self.has_change_permission(request, template):
            raise PermissionDenied
        draft = template_new_draft(template=template, user=request.user)
        return HttpResponseRedirect(reverse("admin:diligence_templateversion_change", args=[draft.pk]))

    @admin.action(description="Start a new draft (a copy of the latest published version)")
    def start_new_draft(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[ChecklistTemplate]
    ) -> HttpResponse | None:
        drafts = [template_new_draft(template=template, user=request.user) for template in queryset]
        if len(drafts) == 1:
            return HttpResponseRedirect(reverse("admin:diligence_templateversion_change", args=[drafts[0].pk]))
        messages.success(request, f"{len(drafts)} drafts ready.")
        return None


@admin.register(HousePolicy)
class HousePolicyAdmin(admin.ModelAdmin):
    """The firm's thresholds where no regulation states one. One row: staff change it, never add or delete one;
    saving recomputes every asset's findings."""

    fields = ("max_upfront_share", "max_upfront_usd", "min_response_rate_patients", "min_median_follow_up_months")
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not HousePolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: HousePolicy, form: object, change: bool) -> None:
        house_policy_save(policy=obj, user=request.user)  # type: ignore[arg-type]

from django.urls import path

from assets.kinds import KINDS
from assets.views import (
    assets,
    directory,
    dossiers,
    exports,
    facts,
    hospitals,
    imports,
    links,
    registry,
    registry_watch,
)

app_name = "assets"

urlpatterns = [
    path("assets/", assets.asset_list, name="asset_list"),
    path("assets/export.csv", exports.asset_list_export, {"extension": "csv"}, name="asset_list_csv"),
    path("assets/export.xlsx", exports.asset_list_export, {"extension": "xlsx"}, name="asset_list_xlsx"),
    path("assets/new/", assets.asset_create, name="asset_create"),
    path("assets/<int:asset_id>/", assets.asset_detail, name="asset_detail"),
    path("assets/<int:asset_id>/edit/", assets.asset_edit, name="asset_edit"),
    path("assets/<int:asset_id>/delete/", assets.asset_delete, name="asset_delete"),
    path("assets/<int:asset_id>/dossier.json", dossiers.dossier_download, name="dossier_download"),
    path("assets/import/", dossiers.dossier_upload, name="dossier_upload"),
    path("hospitals/", hospitals.hospital_list, name="hospital_list"),
    path("hospitals/<int:hospital_id>/", hospitals.hospital_detail, name="hospital_detail"),
    path("hospitals/<int:hospital_id>/edit/", hospitals.hospital_edit, name="hospital_edit"),
    path("hospitals/review/", directory.site_match_review_list, name="site_match_review_list"),
    path("hospitals/review/<int:match_review_id>/confirm/", directory.site_match_confirm, name="site_match_confirm"),
    path("hospitals/review/<int:match_review_id>/create/", directory.site_match_create, name="site_match_create"),
    path("hospitals/review/<int:match_review_id>/merge/", directory.site_match_merge, name="site_match_merge"),
]

# Every kind of fact gets the same four routes; the id's name says the kind (``site_id``), so the URL walk can
# fill it with a fact of the right team.
for kind in KINDS:
    parent, slug, plural = kind.parent_kind, kind.slug, kind.plural
    extra = {"kind": slug}
    urlpatterns += [
        path(f"{parent.plural}/<int:{parent.slug}_id>/{plural}/new/", facts.fact_create, extra, name=f"{slug}_create"),
        path(f"{plural}/<int:{slug}_id>/edit/", facts.fact_edit, extra, name=f"{slug}_edit"),
        path(f"{plural}/<int:{slug}_id>/delete/", facts.fact_delete, extra, name=f"{slug}_delete"),
        path(f"{plural}/<int:{slug}_id>/history/", facts.fact_history, extra, name=f"{slug}_history"),
    ]

# Registry import: not team-scoped in the URL; the team is a form field limited to teams where the user may edit.
urlpatterns += [
    path("studies/import/", registry.registry_import_page, name="registry_import"),
    path("studies/import/fetch/", registry.registry_fetch, name="registry_fetch"),
]

# An import job's status (registry files, a fetch, a dossier): polled by the page that started it.
urlpatterns += [
    path("imports/<int:import_job_id>/", imports.import_job_status, name="import_job_status"),
    # A registry import's preview, confirmed (the import is queued) or cancelled (its files deleted).
    path("imports/<int:import_job_id>/confirm/", imports.import_job_confirm_edit, name="import_job_confirm_edit"),
    path("imports/<int:import_job_id>/cancel/", imports.import_job_cancel_edit, name="import_job_cancel_edit"),
]

# One trial across registries: a member decides on a proposed pair of registrations.
urlpatterns += [
    path(
        "registration-links/<int:registration_link_id>/confirm/",
        links.registration_link_confirm,
        name="registration_link_confirm",
    ),
    path(
        "registration-links/<int:registration_link_id>/reject/",
        links.registration_link_reject,
        name="registration_link_reject",
    ),
]

# A study's registry record versions and their watch.
urlpatterns += [
    path("studies/<int:study_id>/registry/", registry_watch.study_registry, name="study_registry"),
    path("studies/<int:study_id>/registry/check/", registry_watch.study_registry_check, name="study_registry_check"),
    path(
        "registry-versions/<int:registry_version_id>/accept/",
        registry_watch.registry_version_decide,
        {"decision": "accept"},
        name="registry_version_accept",
    ),
    path(
        "registry-versions/<int:registry_version_id>/keep/",
        registry_watch.registry_version_decide,
        {"decision": "keep"},
        name="registry_version_keep",
    ),
    path("assets/<int:asset_id>/registry-watch/", registry_watch.registry_watch_edit, name="registry_watch_edit"),
]

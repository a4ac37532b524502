from django.urls import path

from diligence.views import exports, findings, reviews, teams

urlpatterns = [
    path("", teams.home, name="home"),
    path("teams/<slug:team_slug>/", teams.team_home, name="team_home"),
    path("assets/<int:asset_id>/findings/", findings.asset_findings, name="asset_findings"),
    path("assets/<int:asset_id>/checklist/", findings.asset_checklist, name="asset_checklist"),
    path("assets/<int:asset_id>/checklist/start/", reviews.review_create, name="review_create"),
    path("findings/<int:finding_id>/status/", findings.finding_status_edit, name="finding_status_edit"),
    path("reviews/<int:review_id>/", reviews.review_detail, name="review_detail"),
    path("reviews/<int:review_id>/bulk/", reviews.review_bulk_edit, name="review_bulk_edit"),
    path("reviews/<int:review_id>/upgrade/", reviews.review_upgrade, name="review_upgrade"),
    path("reviews/<int:review_id>/export.csv", exports.review_export_csv, name="review_export_csv"),
    path("reviews/<int:review_id>/export.xlsx", exports.review_export_xlsx, name="review_export_xlsx"),
    path("review-items/<int:item_id>/", reviews.review_item_row, name="review_item_row"),
    path("review-items/<int:item_id>/edit/", reviews.review_item_edit, name="review_item_edit"),
    path("review-items/<int:item_id>/detail/", reviews.review_item_detail, name="review_item_detail"),
    path("review-items/<int:item_id>/comments/new/", reviews.item_comment_create, name="item_comment_create"),
    path("review-items/<int:item_id>/evidence/new/", reviews.evidence_create, name="evidence_create"),
    path("evidence-files/<int:evidence_file_id>/download/", reviews.evidence_download, name="evidence_download"),
]

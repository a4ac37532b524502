from django.urls import path

from diligence.views import exports, findings, memos, notifications, request_sheets, requests, reviews, teams

app_name = "diligence"

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
    path("assets/<int:asset_id>/memos/", memos.asset_memos, name="asset_memos"),
    path("assets/<int:asset_id>/memos/new/", memos.memo_create, name="memo_create"),
    path("memos/review-queue/", memos.memo_review_queue, name="memo_review_queue"),
    path("memos/<int:memo_id>/", memos.memo_detail, name="memo_detail"),
    path("memos/<int:memo_id>/status/", memos.memo_status, name="memo_status"),
    path("memos/<int:memo_id>/read/", memos.memo_read, name="memo_read"),
    path("memos/<int:memo_id>/download/", memos.memo_download, name="memo_download"),
    path("memos/<int:memo_id>/diff/", memos.memo_diff, name="memo_diff"),
    path("memos/<int:memo_id>/retry/", memos.memo_retry_edit, name="memo_retry_edit"),
    path("memos/<int:memo_id>/submit/", memos.memo_submit_edit, name="memo_submit_edit"),
    path("memos/<int:memo_id>/review/", memos.memo_review_edit, name="memo_review_edit"),
    path("memos/<int:memo_id>/comments/new/", memos.memo_comment_create, name="memo_comment_create"),
    path("notifications/", memos.notification_list, name="notification_list"),
    path(
        "notifications/preferences/",
        notifications.notification_preferences_edit,
        name="notification_preferences_edit",
    ),
    path("evidence-files/<int:evidence_file_id>/download/", reviews.evidence_download, name="evidence_download"),
    # Requests to the other side, as the team works them.
    path("assets/<int:asset_id>/requests/", requests.asset_requests, name="asset_requests"),
    path(
        "assets/<int:asset_id>/requests/invite/", requests.counterparty_invite_create, name="counterparty_invite_create"
    ),
    path("request-lists/<int:request_list_id>/", requests.request_list_detail, name="request_list_detail"),
    path(
        "request-lists/<int:request_list_id>/revoke/",
        requests.counterparty_revoke_edit,
        name="counterparty_revoke_edit",
    ),
    path("request-lists/<int:request_list_id>/login-link/", requests.login_link_create, name="login_link_create"),
    path(
        "request-lists/<int:request_list_id>/export.xlsx",
        request_sheets.request_list_export_xlsx,
        name="request_list_export_xlsx",
    ),
    path(
        "request-lists/<int:request_list_id>/export.pdf",
        request_sheets.request_list_export_pdf,
        name="request_list_export_pdf",
    ),
    path(
        "request-lists/<int:request_list_id>/import/",
        request_sheets.request_import_create,
        name="request_import_create",
    ),
    path("review-items/<int:item_id>/requests/new/", requests.request_create, name="request_create"),
    path("reviews/<int:review_id>/requests/new/", requests.request_bulk_create, name="request_bulk_create"),
    path("requests/<int:counterparty_request_id>/", requests.request_detail, name="request_detail"),
    path("requests/<int:counterparty_request_id>/accept/", requests.request_accept_edit, name="request_accept_edit"),
    path("requests/<int:counterparty_request_id>/return/", requests.request_return_edit, name="request_return_edit"),
    path("requests/<int:counterparty_request_id>/reply/", requests.request_reply_create, name="request_reply_create"),
    path("answer-files/<int:answer_file_id>/download/", requests.answer_file_download, name="answer_file_download"),
]

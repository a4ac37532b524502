"""The counterparty contact's pages, in a namespace of their own: the only one a contact may reach."""

from django.urls import path

from diligence.views import counterparty, request_sheets

app_name = "counterparty"

urlpatterns = [
    path("respond/", counterparty.home, name="home"),
    path("respond/requests.xlsx", request_sheets.counterparty_export_xlsx, name="export_xlsx"),
    path("respond/requests.pdf", request_sheets.counterparty_export_pdf, name="export_pdf"),
    path("respond/link/<str:token>/", counterparty.link_login, name="link_login"),
    path("respond/password/", counterparty.password_set, name="password_set"),
    path("respond/requests/<int:counterparty_request_id>/", counterparty.request_detail, name="request_detail"),
    path("respond/requests/<int:counterparty_request_id>/answer/", counterparty.answer_create, name="answer_create"),
    path(
        "respond/requests/<int:counterparty_request_id>/question/",
        counterparty.question_create,
        name="question_create",
    ),
    path("respond/files/<int:answer_file_id>/", counterparty.file_download, name="file_download"),
]

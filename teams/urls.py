from django.urls import path

from teams import views

app_name = "teams"

urlpatterns = [
    path("teams/<slug:team_slug>/access-log/", views.access_log, name="access_log"),
]

from django.urls import path

from diligence import views

urlpatterns = [
    path("", views.home, name="home"),
    path("teams/<slug:team_slug>/", views.team_home, name="team_home"),
]

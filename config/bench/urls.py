"""The app's URLs plus the benchmark's two floor pages; used only by ``manage.py bench`` (in-process and in the
gunicorn it starts, through ``config.bench.wsgi``), so the app itself never serves them."""

from django.urls import include, path

from config.bench import views

urlpatterns = [
    path("bench/bare/", views.bare, name="bench_bare"),
    path("bench/layout/", views.layout, name="bench_layout"),
    path("", include("config.urls")),
]

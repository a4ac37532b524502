from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.health import health

# Refusals say why (a file name too long, a parameter that cannot be stored), for htmx too.
handler400 = "config.bad_requests.bad_request"

admin.site.site_header = "IIT Diligence administration"
admin.site.site_title = "IIT Diligence admin"

urlpatterns = [
    path("health/", health, name="health"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
    path("", include("teams.urls")),
    path("", include("assets.urls")),
    path("", include("diligence.urls")),
    path("", include("diligence.counterparty_urls")),
]

"""Production settings: refuse to start without a real secret key and allowed hosts."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DILIGENCE_TRUSTED_PROXIES, env

DEBUG = False
WHITENOISE_USE_FINDERS = False

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("insecure") or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a random value of at least 50 characters.")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the hosts this server answers for (no '*').")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# X-Forwarded-Proto is believed only when a proxy sets it (DILIGENCE_TRUSTED_PROXIES: how many stand in front, the
# TLS terminator among them); with gunicorn reachable directly any client could send it and pass as HTTPS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if DILIGENCE_TRUSTED_PROXIES else None
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"

# Notifications go out by SMTP in production, sent by a worker. Django 6.1's MAILERS takes no server from the old
# EMAIL_* settings: the SMTP backend refuses to start unless its OPTIONS name the host.
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
MAILERS = {"default": {"BACKEND": env("DJANGO_EMAIL_BACKEND", default=SMTP_BACKEND)}}
if MAILERS["default"]["BACKEND"] == SMTP_BACKEND:
    MAILERS["default"]["OPTIONS"] = {
        "host": env("DJANGO_EMAIL_HOST", default="localhost"),
        "port": env.int("DJANGO_EMAIL_PORT", default=25),
        "username": env("DJANGO_EMAIL_HOST_USER", default=""),
        "password": env("DJANGO_EMAIL_HOST_PASSWORD", default=""),
        "use_tls": env.bool("DJANGO_EMAIL_USE_TLS", default=False),
        "timeout": env.int("DJANGO_EMAIL_TIMEOUT", default=30),  # seconds; a stalled server then counts as a failure
    }

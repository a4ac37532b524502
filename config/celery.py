"""The Celery app: ``celery -A config worker`` starts a worker."""

from __future__ import annotations

import os

from celery import Celery

from config import heartbeats

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("diligence")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
heartbeats.connect()  # workers record their heartbeats for /health/

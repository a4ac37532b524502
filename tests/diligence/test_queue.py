"""Services hand work to the queue by task name: every name they send, route or schedule is a registered task."""

from __future__ import annotations

from django.conf import settings

from config.celery import app as celery_app
from diligence.services import queue


def registered_tasks() -> set[str]:
    celery_app.autodiscover_tasks(force=True)  # what a worker imports at start: every app's tasks module
    return set(celery_app.tasks)


def test_every_task_name_the_services_send_is_a_registered_task():
    names = {value for key, value in vars(queue).items() if key.isupper() and isinstance(value, str)}
    assert names == {
        queue.MEMO_RENDER,
        queue.MEMO_SWEEP,
        queue.NOTIFICATION_EMAIL,
        queue.SEARCH_INDEX,
        queue.FINDINGS_RECOMPUTE,
        queue.LOGIN_LINK_EMAIL,
        queue.DUE_REMINDERS,
        queue.NOTIFICATION_DIGEST,
        queue.WEBHOOK_DELIVER,
    }
    assert names <= registered_tasks()


def test_the_routes_and_the_beat_schedule_name_registered_tasks():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled | set(settings.CELERY_TASK_ROUTES) <= registered_tasks()

"""The access log: who viewed, downloaded or exported which of a team's records, and when.

Append-only by construction: a row is written once by ``teams.services.access_log.access_log_record`` and
then refuses every change through the ORM (``save`` on an existing row, ``delete``, ``QuerySet.update`` and
``QuerySet.delete``). Its team and user are protected from deletion, so an audit trail cannot vanish as a side
effect of tidying up: deactivate a user instead.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """Someone tried to change or remove an access-log entry."""


class AccessLogQuerySet(models.QuerySet["AccessLogEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Access-log entries cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Access-log entries cannot be deleted.")

    def for_team(self, team_id: int) -> AccessLogQuerySet:
        """A team's entries, newest first, with the people named (one query per page)."""
        return self.filter(team_id=team_id).select_related("user").order_by("-at", "-pk")


class AccessLogEntry(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        DOWNLOAD = "download", "Downloaded"
        EXPORT = "export", "Exported"
        # What counterparty contacts do besides reading: log in from an emailed link, answer or ask back.
        LOGIN = "login", "Logged in"
        SUBMIT = "submit", "Submitted"

    team = models.ForeignKey("teams.DealTeam", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    # What was reached, kept as plain values: the log outlives the record (a deleted asset still shows who saw it).
    object_kind = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField()
    object_label = models.CharField(max_length=300)
    path = models.CharField(max_length=500)
    at = models.DateTimeField(default=timezone.now)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "access-log entry"
        verbose_name_plural = "access-log entries"
        indexes = [models.Index(fields=["team", "-at"], name="accesslog_team_newest")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=["view", "download", "export", "login", "submit"]),
                name="accesslog_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_kind} {self.object_id} ({self.object_label})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Access-log entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Access-log entries cannot be deleted.")

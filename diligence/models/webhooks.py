"""Team webhooks: every event the team's people are notified of is also posted, signed, to the URLs the lead set
(a firm wires Slack or Teams through its own relay; the app knows neither). Each post is a delivery with its log."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class TeamWebhook(models.Model):
    team = models.ForeignKey("teams.DealTeam", on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    # Shared with the receiver, which checks each body's HMAC-SHA256 against it (X-IIT-Signature).
    secret = models.CharField(max_length=64, editable=False)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    team_path = "team"

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event posted to one webhook: pending until the receiver answers 2xx; retried with backoff; failed once the
    retries are spent."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    webhook = models.ForeignKey(TeamWebhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    team_path = "webhook__team"

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "delivered", "failed"]), name="webhook_delivery_status_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.webhook} ({self.status})"

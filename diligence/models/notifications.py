"""Notifications: in the app and by email, each person's choice per event (at once, in a daily digest, or not)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    class Kind(models.TextChoices):
        MEMO_READY = "memo_ready", "Memo ready"
        MEMO_FAILED = "memo_failed", "Memo failed"
        REVIEW_REQUESTED = "review_requested", "Review requested"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVED = "approved", "Approved"
        ASSIGNED = "assigned", "Assigned to you"
        MENTIONED = "mentioned", "Mentioned"
        DUE_SOON = "due_soon", "Due in 2 days"
        OVERDUE = "overdue", "Overdue"
        REQUEST_RAISED = "request_raised", "New request"
        REQUEST_ANSWERED = "request_answered", "Request answered"
        QUESTION_ASKED = "question_asked", "Question asked"
        ANSWER_ACCEPTED = "answer_accepted", "Answer accepted"
        ANSWER_RETURNED = "answer_returned", "Answer returned"
        MEMBERSHIP_CHANGED = "membership_changed", "Membership changed"
        SHARED_FACT_CHANGED = "shared_fact", "Shared fact changed"
        REGISTRY_CHANGED = "registry_changed", "Registry record changed"
        REGISTRY_DECIDED = "registry_decided", "Registry version decided"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    team = models.ForeignKey("teams.DealTeam", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    memo = models.ForeignKey(
        "diligence.Memo", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    message = models.CharField(max_length=300)
    # Where the event can be seen (a checklist item, a request), for the link in the app and the email.
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Emailed in the daily digest rather than at once (the person's choice when it was written).
    digest = models.BooleanField(default=False)
    # When its email went out (by a worker, after the notification was committed); a redelivered task sends nothing.
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # An event that must reach a person once only (a due-date reminder per item, due date and threshold): a second
    # write with the same key is dropped by the database.
    once_key = models.CharField(max_length=120, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "once_key"], condition=~models.Q(once_key=""), name="notification_once_per_key"
            )
        ]

    def __str__(self) -> str:
        return self.message


class NotificationPreference(models.Model):
    """How a person hears of one kind of event; without a row, at once."""

    class Delivery(models.TextChoices):
        INSTANT = "instant", "At once"
        DIGEST = "digest", "Daily digest"
        OFF = "off", "Off"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Notification.Kind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.INSTANT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_one_per_kind"),
            models.CheckConstraint(
                condition=models.Q(delivery__in=["instant", "digest", "off"]), name="notification_delivery_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {self.delivery}"

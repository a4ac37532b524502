"""Requests to the other side: a team asks a counterparty contact for what a checklist item needs, and the contact
answers with text and files. An answer becomes evidence only when a member accepts it."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.urls import reverse

from diligence.models.checklists import ReviewItem
from diligence.models.files import StoredDocument

if TYPE_CHECKING:
    from teams.models import User


class RequestList(models.Model):
    """The requests of one asset addressed to one counterparty contact (how deal teams send request lists today)."""

    team = models.ForeignKey("teams.DealTeam", on_delete=models.CASCADE, related_name="request_lists")
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="request_lists")
    # RESTRICT, not PROTECT: a contact's lists go with their team, but a contact alone is never deleted under a list.
    contact = models.ForeignKey("teams.CounterpartyContact", on_delete=models.RESTRICT, related_name="request_lists")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    team_path = "team"

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["asset", "contact"], name="request_list_one_per_contact")]

    def __str__(self) -> str:
        return f"Requests to {self.contact.organisation} on {self.asset.code}"

    def get_absolute_url(self) -> str:
        return reverse("diligence:request_list_detail", kwargs={"request_list_id": self.pk})


class CounterpartyRequest(models.Model):
    """One thing asked of the contact, raised from a checklist item."""

    class Priority(models.TextChoices):
        HIGH = "high", "High"
        NORMAL = "normal", "Normal"
        LOW = "low", "Low"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        QUESTION = "question", "Question asked"
        ANSWERED = "answered", "Answered"
        RETURNED = "returned", "Returned"
        ACCEPTED = "accepted", "Accepted"

    request_list = models.ForeignKey(RequestList, on_delete=models.CASCADE, related_name="requests")
    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="counterparty_requests")
    number = models.PositiveIntegerField(help_text="Numbered within its list: what both sides call it.")
    text = models.TextField("what is asked")
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    due_on = models.DateField("due", null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    team_path = "request_list__team"
    contact_path = "request_list__contact"

    class Meta:
        ordering = ["request_list", "number"]
        constraints = [
            models.UniqueConstraint(fields=["request_list", "number"], name="counterparty_request_unique_number"),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "question", "answered", "returned", "accepted"]),
                name="counterparty_request_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(priority__in=["high", "normal", "low"]), name="counterparty_request_priority_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"R-{self.number}: {self.text[:60]}"

    @property
    def awaits_counterparty(self) -> bool:
        """The contact's turn: nothing answered yet, or an answer returned."""
        return self.status in (self.Status.OPEN, self.Status.RETURNED)

    @property
    def awaits_team(self) -> bool:
        return self.status in (self.Status.ANSWERED, self.Status.QUESTION)


class RequestMessage(models.Model):
    """The request's thread: the contact's answers and questions, the team's replies, returns and acceptance."""

    class Kind(models.TextChoices):
        ANSWER = "answer", "Answer"
        QUESTION = "question", "Question"
        REPLY = "reply", "Reply"
        RETURNED = "returned", "Returned"
        ACCEPTED = "accepted", "Accepted"

    request = models.ForeignKey(CounterpartyRequest, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    team_path = "request__request_list__team"

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.author} on R-{self.request.number}"


def answer_file_path(instance: AnswerFile, filename: str) -> str:
    """A generated name, never the sender's."""
    return f"answers/{instance.message.request.request_list.team_id}/{uuid.uuid4().hex}"


class AnswerFile(StoredDocument):
    """A file sent with an answer: checked as evidence uploads are; copied to the item's evidence if accepted."""

    message = models.ForeignKey(RequestMessage, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=answer_file_path, max_length=200)

    team_path = "message__request__request_list__team"
    contact_path = "message__request__request_list__contact"

    @property
    def sender(self) -> User | None:
        return self.message.author

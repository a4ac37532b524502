"""People and deal teams: the information barriers everything else hangs from."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from simple_history.models import HistoricalRecords


class User(AbstractUser):
    """A person using the app; a custom model from the start so fields can be added without a painful swap."""

    # A counterparty contact (teams.models.CounterpartyContact) is confined to the requests addressed to them; kept on
    # the user, which every request loads anyway, so confining them costs no query.
    is_counterparty = models.BooleanField(
        "counterparty contact", default=False, help_text="Sees only the requests addressed to them, nothing else."
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class DealTeam(models.Model):
    """An information barrier: what a team owns is visible to its members only."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place on a deal team. Every change is kept in its history: who changed whom, when, to which role."""

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        LEAD = "lead", "Lead"
        PARTNER = "partner", "Partner"

    team = models.ForeignKey(DealTeam, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    # simple-history's documented hook for naming who made the next save or delete (it ships no types).
    _history_user: User | None

    class Meta:
        ordering = ["team__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique_user_per_team"),
            models.CheckConstraint(
                condition=models.Q(role__in=["member", "lead", "partner"]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) on {self.team}"

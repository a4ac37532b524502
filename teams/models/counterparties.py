"""Counterparty contacts: people on the other side of a deal (the licensor's BD or regulatory staff, a hospital's
research office, a CRO) who answer a team's requests. They are users of their own kind: no membership, so the
access policy gives them none of a team's data; they reach only the requests addressed to them."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CounterpartyContact(models.Model):
    """A counterparty user, invited by a team's lead. Revoking deactivates the user: their session is refused at the
    next request (Django's authentication backend loads no inactive user)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="counterparty_contact")
    team = models.ForeignKey("teams.DealTeam", on_delete=models.CASCADE, related_name="counterparty_contacts")
    organisation = models.CharField(max_length=200, help_text="Who they answer for, e.g. the licensor.")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    invited_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    team_path = "team"

    class Meta:
        ordering = ["organisation", "pk"]

    def __str__(self) -> str:
        return f"{self.user} ({self.organisation})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class LoginLink(models.Model):
    """A one-time link that logs a contact in, emailed by a worker. Only the token's digest is kept: the token
    itself exists in the email alone. A link works once, before it expires, for a contact not revoked."""

    contact = models.ForeignKey(CounterpartyContact, on_delete=models.CASCADE, related_name="login_links")
    token_sha256 = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    # The site's address as the lead who asked for the link reached it: the worker writes the email from it.
    site_url = models.URLField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Login link for {self.contact} (expires {self.expires_at:%Y-%m-%d %H:%M})"

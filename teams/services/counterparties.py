"""Counterparty contacts: invited by a team's lead, logged in by password or a one-time emailed link, revoked at once.

The link's token is made by the worker that emails it and only its digest is stored, so neither the database nor
the queue ever holds a working link."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from teams.models import CounterpartyContact, DealTeam, LoginLink, User


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_lifetime() -> dt.timedelta:
    return dt.timedelta(hours=int(getattr(settings, "DILIGENCE_LOGIN_LINK_HOURS", 72)))


@transaction.atomic
def counterparty_contact_invite(
    *, team: DealTeam, email: str, name: str, organisation: str, actor: User
) -> CounterpartyContact:
    """The contact with this address on the team, created (a counterparty user with no password) if new. An address
    that belongs to anyone else (a team member, another team's contact) is refused: one person, one kind of user."""
    email = email.strip().lower()
    validate_email(email)
    if not organisation.strip():
        raise ValidationError({"organisation": "Say who the contact answers for."})
    existing = User.objects.filter(email__iexact=email).select_related("counterparty_contact").first()
    if existing is not None:
        contact = getattr(existing, "counterparty_contact", None)
        if contact is None or contact.team_id != team.pk:
            raise ValidationError({"email": "This address belongs to someone who cannot be invited as a contact."})
        if contact.is_revoked:
            raise ValidationError({"email": "This contact was revoked; a revoked contact is not invited again."})
        return contact
    first, _, last = name.strip().partition(" ")
    user = User(username=_free_username(email), email=email, first_name=first[:150], last_name=last[:150])
    user.is_counterparty = True
    user.set_unusable_password()
    user.save()
    return CounterpartyContact.objects.create(
        user=user, team=team, organisation=organisation.strip()[:200], invited_by=actor
    )


def _free_username(email: str) -> str:
    base = email[:140]
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


@transaction.atomic
def counterparty_contact_revoke(*, contact: CounterpartyContact, actor: User) -> CounterpartyContact:
    """At once: the user is deactivated (their session is refused at the next request) and unused links die."""
    contact = CounterpartyContact.objects.select_for_update().select_related("user").get(pk=contact.pk)
    if contact.revoked_at is None:
        contact.revoked_at, contact.revoked_by = timezone.now(), actor
        contact.save(update_fields=["revoked_at", "revoked_by"])
    User.objects.filter(pk=contact.user_id).update(is_active=False)
    LoginLink.objects.filter(contact=contact, used_at__isnull=True).update(expires_at=timezone.now())
    return contact


def login_link_issue(*, contact: CounterpartyContact, site_url: str) -> LoginLink:
    """A link to be emailed (by a worker: ``login_link_token_make``), valid for ``DILIGENCE_LOGIN_LINK_HOURS``."""
    if contact.is_revoked:
        raise ValidationError("This contact was revoked.")
    return LoginLink.objects.create(
        contact=contact, site_url=site_url.rstrip("/"), expires_at=timezone.now() + link_lifetime()
    )


def login_link_token_make(*, link: LoginLink) -> str:
    """A fresh token for the link, its digest stored (replacing one a failed send made). Called by the worker inside
    its transaction, just before the email goes."""
    token = secrets.token_urlsafe(32)
    LoginLink.objects.filter(pk=link.pk).update(token_sha256=_digest(token))
    return token


@transaction.atomic
def login_link_redeem(*, token: str) -> User | None:
    """The contact's user for a working link, which is used up; None for an unknown, used or expired link, or a
    revoked contact."""
    link = (
        LoginLink.objects.select_for_update()
        .select_related("contact__user")
        .filter(token_sha256=_digest(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if link is None or link.contact.is_revoked or not link.contact.user.is_active:
        return None
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    return link.contact.user


def login_link_peek(*, token: str) -> LoginLink | None:
    """The working link for a token, without using it (the page that asks the contact to confirm)."""
    return (
        LoginLink.objects.select_related("contact__user")
        .filter(token_sha256=_digest(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .exclude(contact__revoked_at__isnull=False)
        .first()
    )


@transaction.atomic
def counterparty_password_set(*, user: User, password: str) -> None:
    """A contact who came in by link may set a password to log in with from then on."""
    if not user.is_counterparty:
        raise ValidationError("Only a counterparty contact sets a password here.")
    user.set_password(password)
    user.save(update_fields=["password"])

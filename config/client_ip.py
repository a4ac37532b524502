"""The client's address for login throttling, behind however many reverse proxies the deployment says it has."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """With ``DILIGENCE_TRUSTED_PROXIES`` = N, the N-th address of X-Forwarded-For counted from the right: each of
    our proxies appends the address it saw, so entries further left were written by the client and prove nothing.
    With none (or a header shorter than N), the socket's own address."""
    hops = settings.DILIGENCE_TRUSTED_PROXIES
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")

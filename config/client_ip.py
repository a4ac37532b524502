"""The client's address for login throttling, behind however many reverse proxies the deployment says it has."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """With ``DILIGENCE_TRUSTED_PROXIES`` = N, the N-th address of X-Forwarded-For counted from the right: each of
    our proxies appends the address it saw, so entries further left were written by the client and prove nothing.
    With none, a header shorter than N, or an entry that is not an address, the socket's own address."""
    hops = settings.DILIGENCE_TRUSTED_PROXIES
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if hops and len(forwarded) >= hops:
        address = _address(forwarded[-hops])
        if address:
            return address
    return request.META.get("REMOTE_ADDR", "")


def _address(entry: str) -> str | None:
    """The IP address in an X-Forwarded-For entry, without the port some proxies add (``1.2.3.4:5678``,
    ``[2001:db8::1]:443``); None for anything else, which the login attempt table could not store."""
    if entry.startswith("[") and "]" in entry:
        entry = entry[1 : entry.index("]")]
    elif entry.count(":") == 1:
        entry = entry.partition(":")[0]
    try:
        return str(ipaddress.ip_address(entry))
    except ValueError:
        return None

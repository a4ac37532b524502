"""Two pages that exist only in the benchmark's own URLconf (``config.bench.urls``), never in the app's: the floor
every page stands on (a bare authenticated Django view) and the layout alone around an empty page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@login_required
@require_GET
def bare(request: HttpRequest) -> HttpResponse:
    """The session and the user (two queries) through the same middleware, and nothing else."""
    return HttpResponse(f"ok {request.user.pk}", content_type="text/plain")


@login_required
@require_GET
def layout(request: HttpRequest) -> HttpResponse:
    """The layout every page shares (roles, navigation, unread count, CSRF and CSP), around no content."""
    return render(request, "bench/layout.html")

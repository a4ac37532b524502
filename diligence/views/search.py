"""The search box: everything the user may see, found by what it says."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from diligence.search.query import KIND_LABELS, search_entries
from teams import access
from teams.http import HtmxHttpRequest

MAX_QUERY_CHARS = 200
PER_KIND, PER_KIND_ALONE = 5, 50


@login_required
@require_GET
def search(request: HtmxHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:MAX_QUERY_CHARS]
    kind = request.GET.get("kind") if request.GET.get("kind") in KIND_LABELS else None
    results = search_entries(
        query=query,
        team_ids=list(access.team_roles(request.user)),  # the information barrier: the user's teams, no others
        kind=kind,
        per_kind=PER_KIND_ALONE if kind else PER_KIND,
    )
    context = {"results": results, "query": query, "kind": kind, "kind_label": KIND_LABELS.get(kind or "")}
    partial = request.htmx and not request.htmx.boosted  # the results alone, swapped in as the user types
    return render(request, "diligence/_search_results.html" if partial else "diligence/search.html", context)

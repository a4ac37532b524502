"""What the checklist progress counts, in one place: the selectors count it live, the standing service keeps it."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from diligence.models import ReviewItem
from diligence.models.checklists import Criticality

FINISHED = (ReviewItem.Status.DONE, ReviewItem.Status.NOT_APPLICABLE)


def progress_counts(*, today: dt.date | None, via: str = "") -> dict[str, Count]:
    """What ``QuestionProgress`` counts (live items; of them finished, blocked, overdue) as aggregates over the items
    reached through ``via``: "" where the rows are the items, "items" where they are their reviews. Without
    ``today``, all but the overdue (what ``AssetStanding`` keeps: it cannot keep what changes with the date)."""

    def lookup(name: str) -> str:
        return f"{via}__{name}" if via else name

    counted = via or "pk"
    live = Q(**{lookup("archived_at__isnull"): True})
    finished = Q(**{lookup("status__in"): FINISHED})
    counts = {
        "total": Count(counted, filter=live),
        "finished": Count(counted, filter=live & finished),
        "blocked": Count(counted, filter=live & Q(**{lookup("status"): ReviewItem.Status.BLOCKED})),
    }
    if today is not None:
        counts["overdue"] = Count(counted, filter=live & Q(**{lookup("due_on__lt"): today}) & ~finished)
    return counts


def critical_unfinished(prefix: str = "") -> Q:
    """The live critical items not yet done or not applicable, reached through ``prefix`` (e.g. ``"items__"``): each
    holds its question at "not yet established" (``selectors.reviews.checklist_gate``)."""
    return Q(
        **{f"{prefix}archived_at__isnull": True, f"{prefix}template_item__criticality": Criticality.CRITICAL}
    ) & ~Q(**{f"{prefix}status__in": FINISHED})

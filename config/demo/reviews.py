"""Demo checklists for ``seed_demo``: two of phoenix's assets get a review partly worked through (illustrative)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from assets.models import Asset
from diligence.models import Review
from diligence.services.checklists import review_item_update, review_start
from teams.models import DealTeam, User

# asset code -> [(item key, status, assignee username, due in days from today, notes or reason)]
DEMO_PROGRESS: dict[str, list[tuple[str, str, str, int | None, str]]] = {
    "LCAR-B38M": [
        ("protocol-and-amendments", "done", "member", None, "Protocol and amendments 1-3 received (illustrative)."),
        ("ethics-every-site", "done", "member", None, "Approval letters for all four sites on file (illustrative)."),
        ("source-reconciled", "in_progress", "lead", 5, "Sampling 10 % of responders at the lead site."),
        ("consent-cross-border", "blocked", "member", -3, "Consent wording on cross-border transfer unclear; "
         "waiting for the hospital's translation."),
        ("assignment-institution", "in_progress", "lead", 10, ""),
        ("hgr-defined-cases", "not_applicable", "lead", None, "Myeloma cohort of 74; no defined case applies."),
    ],
    "DEMO-RISK": [
        ("order818-host-grade", "blocked", "member", -7, "Host hospital's grade could not be verified."),
        ("hgr-intl-cooperation", "in_progress", "member", -2, "Asked the licensor for the filing; none produced yet."),
        ("milestones-priced", "not_started", "lead", 3, ""),
    ],
}  # fmt: skip


@transaction.atomic
def seed_demo_reviews(*, team: DealTeam, today: dt.date | None = None) -> list[str]:
    """Start the checklist for each demo asset that has none yet; returns the codes it started."""
    today = today or timezone.localdate()
    users = {u.username: u for u in User.objects.filter(username__in={"member", "lead"})}
    started = []
    for code, progress in DEMO_PROGRESS.items():
        asset = Asset.objects.filter(team=team, code=code).first()
        if asset is None or Review.objects.filter(asset=asset).exists():
            continue
        review = review_start(asset=asset, user=users.get("lead"))
        items = {item.key: item for item in review.items.all()}
        for key, status, username, due_in, text in progress:
            reason, notes = (text, "") if status == "not_applicable" else ("", text)
            review_item_update(
                item=items[key],
                user=users[username],
                expected_version=None,
                changes={
                    "status": status,
                    "assignee": users[username],
                    "notes": notes,
                    "na_reason": reason,
                    "due_on": today + dt.timedelta(days=due_in) if due_in is not None else None,
                },
            )
        started.append(code)
    return started

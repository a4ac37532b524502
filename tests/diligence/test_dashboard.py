"""The dashboard's light per asset, read from its kept standing, agrees with the verdict computed from the findings
and the checklist."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from diligence.models import Finding, FindingKind, Review, ReviewItem, Severity
from diligence.rules.verdict import verdict_from
from diligence.selectors import dashboard as selectors
from diligence.selectors.dashboard import team_dashboard
from diligence.selectors.reviews import checklist_gate, progress_by_question
from diligence.services.checklists import review_start
from diligence.services.standing import standings_rebuild
from tests.factories import AssetFactory, FindingFactory

BREACH, UNKNOWN = FindingKind.BREACH, FindingKind.UNKNOWN
MIXES: list[list[tuple[str, str, str]]] = [
    [],
    [(Severity.INFO, Finding.Status.OPEN, BREACH)],
    [(Severity.MEDIUM, Finding.Status.ACKNOWLEDGED, BREACH)],
    [(Severity.HIGH, Finding.Status.OPEN, BREACH)],
    [(Severity.HIGH, Finding.Status.MITIGATED, BREACH)],
    [(Severity.HIGH, Finding.Status.RESOLVED, BREACH), (Severity.INFO, Finding.Status.OPEN, BREACH)],
    [(Severity.HIGH, Finding.Status.MITIGATED, BREACH), (Severity.HIGH, Finding.Status.ACKNOWLEDGED, BREACH)],
    [(Severity.MEDIUM, Finding.Status.OPEN, UNKNOWN)],
    [(Severity.INFO, Finding.Status.ACKNOWLEDGED, UNKNOWN), (Severity.MEDIUM, Finding.Status.OPEN, BREACH)],
    [(Severity.MEDIUM, Finding.Status.MITIGATED, UNKNOWN)],
    [(Severity.MEDIUM, Finding.Status.OPEN, UNKNOWN), (Severity.HIGH, Finding.Status.OPEN, BREACH)],
]
# (review started, every critical item finished) beside each mix above; then two clean assets held by the checklist.
CHECKLISTS = [(True, True)] * len(MIXES) + [(False, False), (True, False)]
MIXES += [[], []]


def make_findings(team, asset, mix, counter):
    for severity, status, kind in mix:
        FindingFactory(
            team=team, asset=asset, rule_id=f"rule-{next(counter)}", severity=severity, kind=kind, status=status
        )


def test_open_findings_by_severity_are_the_teams_active_findings(world):
    counter = itertools.count()
    for n, mix in enumerate(MIXES):
        make_findings(world.phoenix, AssetFactory(team=world.phoenix, code=f"MIX-{n}"), mix, counter)
    make_findings(world.atlas, AssetFactory(team=world.atlas), [(Severity.HIGH, Finding.Status.OPEN, BREACH)], counter)

    shown = team_dashboard(team=world.phoenix, today=timezone.localdate()).findings_by_severity

    active = Finding.objects.filter(team=world.phoenix, status__in=Finding.ACTIVE)
    assert [(s, n) for s, _label, n in shown] == [(s, active.filter(severity=s).count()) for s in Severity.values]
    assert dict((s, n) for s, _label, n in shown) == {"high": 5, "medium": 5, "info": 3}


def test_due_lists_split_at_today_end_a_week_ahead_leave_out_finished_items_and_stop_at_the_limit(world, monkeypatch):
    monkeypatch.setattr(selectors, "LIST_LIMIT", 3)
    today = timezone.localdate()
    AssetFactory(team=world.phoenix, code="OTHER-1")  # another asset of the team, with no review
    asset = AssetFactory(team=world.phoenix, code="DUE-1")
    items = list(review_start(asset=asset, user=None).items.order_by("pk"))
    plan = [  # (days from today, status)
        (-9, "in_progress"),
        (-5, "done"),  # finished: in neither list
        (-4, "blocked"),
        (-3, "not_started"),
        (-1, "not_started"),  # the fourth overdue: past the limit
        (0, "not_started"),  # due today: due soon, not overdue
        (7, "in_progress"),  # the last day of the week ahead
        (8, "not_started"),  # beyond it
        (1, "not_applicable"),
    ]
    for item, (days, status) in zip(items, plan, strict=False):
        ReviewItem.objects.filter(pk=item.pk).update(
            due_on=today + dt.timedelta(days=days), status=status, na_reason="x"
        )
    standings_rebuild()  # the updates above send no signal

    board = team_dashboard(team=world.phoenix, today=today)

    def offsets(listed):
        return [(i.due_on - today).days for i in listed]

    assert offsets(board.overdue) == [-9, -4, -3]
    assert offsets(board.due_soon) == [0, 7]
    assert {i.asset_code for i in (*board.overdue, *board.due_soon)} == {"DUE-1"}  # each row names its asset

    # A review mislinked to another team's asset (no service makes one) names no code of that team.
    elsewhere = AssetFactory(team=world.atlas, code="ATLAS-SECRET")
    Review.objects.filter(asset=asset).update(asset=elsewhere)
    listed = team_dashboard(team=world.phoenix, today=today)
    assert {i.asset_code for i in (*listed.overdue, *listed.due_soon)} == {selectors.ASSET_ELSEWHERE}
    standings_rebuild()  # the review moved assets without a signal


def test_each_assets_light_matches_its_verdict(world):
    counter = itertools.count()
    assets = []
    for n, (mix, (started, finished)) in enumerate(zip(MIXES, CHECKLISTS, strict=True)):
        asset = AssetFactory(team=world.phoenix, code=f"MIX-{n}")
        if started:
            review = review_start(asset=asset, user=None)
            if finished:
                ReviewItem.objects.filter(review=review).update(status=ReviewItem.Status.DONE)
                standings_rebuild(asset_ids=[asset.pk])  # the update sends no signal
        make_findings(world.phoenix, asset, mix, counter)
        assets.append(asset)

    dashboard = team_dashboard(team=world.phoenix, today=timezone.localdate())

    shown = {asset.code: (asset.light, asset.answer) for asset in dashboard.assets}
    lights = []
    for asset in assets:
        verdict = verdict_from(Finding.objects.filter(asset=asset), checklist=checklist_gate(asset_id=asset.pk))
        assert shown[asset.code] == (verdict.light, verdict.answer), asset.code
        lights.append(verdict.light)
    assert set(lights) == {"green", "amber", "not_established", "red"}  # every light is exercised
    assert lights[-2:] == ["not_established", "not_established"]  # no review; a critical item not done
    assert lights[0] == "green"


def test_dashboard_rows_escape_what_people_wrote_and_cut_item_texts_at_80_characters(world, client_as):
    from django.urls import reverse

    from diligence.models import TemplateItem

    asset = AssetFactory(team=world.phoenix, code="ESC-1", name="<b>Bold</b> & co")
    item = review_start(asset=asset, user=None).items.order_by("pk")[0]
    TemplateItem.objects.filter(pk=item.template_item_id).update(text="<i>" + "x" * 100)
    ReviewItem.objects.filter(pk=item.pk).update(due_on=timezone.localdate(), status="blocked", assignee=world.lead)
    standings_rebuild()  # the update sends no signal
    world.lead.first_name, world.lead.last_name = "Lei", "<Lead>"
    world.lead.save()

    body = client_as("member").get(reverse("diligence:team_home", args=["phoenix"])).content.decode()

    assert "<td>&lt;b&gt;Bold&lt;/b&gt; &amp; co</td>" in body
    assert "<td>&lt;i&gt;" + "x" * 76 + "…</td>" in body  # 79 characters and the ellipsis
    assert "<td>Lei &lt;Lead&gt;</td>" in body and '<span class="badge st-blocked">Blocked</span>' in body
    assert "Nothing overdue." in body  # an empty list still says so


def test_progress_per_question_counts_every_live_item_of_the_teams_reviews(world):
    today = dt.date(2026, 6, 1)
    first = review_start(asset=AssetFactory(team=world.phoenix), user=None)
    second = review_start(asset=AssetFactory(team=world.phoenix), user=None)
    review_start(asset=AssetFactory(team=world.atlas), user=None)  # another team's: not counted
    a, b, c = first.items.order_by("pk")[:3]
    ReviewItem.objects.filter(pk=a.pk).update(status=ReviewItem.Status.DONE, due_on=today - dt.timedelta(days=2))
    ReviewItem.objects.filter(pk=b.pk).update(status=ReviewItem.Status.BLOCKED, due_on=today - dt.timedelta(days=2))
    ReviewItem.objects.filter(pk=c.pk).update(archived_at=timezone.now())
    ReviewItem.objects.filter(pk=second.items.order_by("pk")[0].pk).update(due_on=today - dt.timedelta(days=1))
    standings_rebuild()  # the updates send no signal

    progress = team_dashboard(team=world.phoenix, today=today).progress

    assert progress == progress_by_question(ReviewItem.objects.filter(review__team=world.phoenix), today=today)
    live = ReviewItem.objects.filter(review__team=world.phoenix, archived_at__isnull=True).count()
    assert sum(p.total for p in progress) == live == 2 * first.items.count() - 1
    assert (sum(p.finished for p in progress), sum(p.blocked for p in progress)) == (1, 1)
    assert sum(p.overdue for p in progress) == 2  # the blocked item and the second review's; the done one is not

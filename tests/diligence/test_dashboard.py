"""The dashboard's light per asset, counted in SQL, agrees with the verdict computed from the findings."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from diligence.models import Finding, ReviewItem, Severity
from diligence.rules.verdict import verdict_from
from diligence.selectors import dashboard as selectors
from diligence.selectors.dashboard import team_dashboard
from diligence.services.checklists import review_start
from tests.factories import AssetFactory

MIXES = [
    [],
    [(Severity.INFO, Finding.Status.OPEN)],
    [(Severity.MEDIUM, Finding.Status.ACKNOWLEDGED)],
    [(Severity.HIGH, Finding.Status.OPEN)],
    [(Severity.HIGH, Finding.Status.MITIGATED)],
    [(Severity.HIGH, Finding.Status.RESOLVED), (Severity.INFO, Finding.Status.OPEN)],
    [(Severity.HIGH, Finding.Status.MITIGATED), (Severity.HIGH, Finding.Status.ACKNOWLEDGED)],
]


def make_findings(team, asset, mix, counter):
    for severity, status in mix:
        Finding.objects.create(
            team=team,
            asset=asset,
            rule_id=f"rule-{next(counter)}",
            subject="asset",
            question="data_integrity",
            severity=severity,
            citation="test",
            title="t",
            message="m",
            status=status,
            computed_at=timezone.now(),
        )


def test_open_findings_by_severity_are_the_teams_active_findings(world):
    counter = itertools.count()
    for n, mix in enumerate(MIXES):
        make_findings(world.phoenix, AssetFactory(team=world.phoenix, code=f"MIX-{n}"), mix, counter)
    make_findings(world.atlas, AssetFactory(team=world.atlas), [(Severity.HIGH, Finding.Status.OPEN)], counter)

    shown = team_dashboard(team=world.phoenix, today=timezone.localdate()).findings_by_severity

    active = Finding.objects.filter(team=world.phoenix, status__in=Finding.ACTIVE)
    assert [(s, n) for s, _label, n in shown] == [(s, active.filter(severity=s).count()) for s in Severity.values]
    assert dict((s, n) for s, _label, n in shown) == {"high": 4, "medium": 1, "info": 2}


def test_due_lists_split_at_today_end_a_week_ahead_leave_out_finished_items_and_stop_at_the_limit(world, monkeypatch):
    monkeypatch.setattr(selectors, "LIST_LIMIT", 3)
    today = timezone.localdate()
    items = list(review_start(asset=AssetFactory(team=world.phoenix), user=None).items.order_by("pk"))
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

    board = team_dashboard(team=world.phoenix, today=today)

    def offsets(listed):
        return [(i.due_on - today).days for i in listed]

    assert offsets(board.overdue) == [-9, -4, -3]
    assert offsets(board.due_soon) == [0, 7]


def test_each_assets_light_matches_its_verdict(world):
    counter = itertools.count()
    assets = []
    for n, mix in enumerate(MIXES):
        asset = AssetFactory(team=world.phoenix, code=f"MIX-{n}")
        for severity, status in mix:
            Finding.objects.create(
                team=world.phoenix,
                asset=asset,
                rule_id=f"rule-{next(counter)}",
                subject="asset",
                question="data_integrity",
                severity=severity,
                citation="test",
                title="t",
                message="m",
                status=status,
                computed_at=timezone.now(),
            )
        assets.append(asset)

    dashboard = team_dashboard(team=world.phoenix, today=timezone.localdate())

    shown = {asset.code: (light, answer) for asset, light, answer in dashboard.assets}
    lights = set()
    for asset in assets:
        verdict = verdict_from(Finding.objects.filter(asset=asset))
        assert shown[asset.code] == (verdict.light, verdict.answer), asset.code
        lights.add(verdict.light)
    assert lights == {"green", "amber", "red"}  # every light is exercised


def test_dashboard_rows_escape_what_people_wrote_and_cut_item_texts_at_80_characters(world, client_as):
    from django.urls import reverse

    from diligence.models import TemplateItem

    asset = AssetFactory(team=world.phoenix, code="ESC-1", name="<b>Bold</b> & co")
    item = review_start(asset=asset, user=None).items.order_by("pk")[0]
    TemplateItem.objects.filter(pk=item.template_item_id).update(text="<i>" + "x" * 100)
    ReviewItem.objects.filter(pk=item.pk).update(due_on=timezone.localdate(), status="blocked", assignee=world.lead)
    world.lead.first_name, world.lead.last_name = "Lei", "<Lead>"
    world.lead.save()

    body = client_as("member").get(reverse("diligence:team_home", args=["phoenix"])).content.decode()

    assert "<td>&lt;b&gt;Bold&lt;/b&gt; &amp; co</td>" in body
    assert "<td>&lt;i&gt;" + "x" * 76 + "…</td>" in body  # 79 characters and the ellipsis
    assert "<td>Lei &lt;Lead&gt;</td>" in body and '<span class="badge st-blocked">Blocked</span>' in body
    assert "Nothing overdue." in body  # an empty list still says so

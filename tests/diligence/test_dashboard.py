"""The dashboard's light per asset, counted in SQL, agrees with the verdict computed from the findings."""

from __future__ import annotations

import itertools

from django.utils import timezone

from diligence.models import Finding, Severity
from diligence.rules.verdict import verdict_from
from diligence.selectors.dashboard import team_dashboard
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

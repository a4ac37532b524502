"""The dashboard's light per asset, counted in SQL, agrees with the verdict computed from the findings and the
checklist."""

from __future__ import annotations

import itertools

from django.utils import timezone

from diligence.models import Finding, FindingKind, ReviewItem, Severity
from diligence.rules.verdict import verdict_from
from diligence.selectors.dashboard import team_dashboard
from diligence.selectors.reviews import checklist_gate
from diligence.services.checklists import review_start
from tests.factories import AssetFactory

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


def test_each_assets_light_matches_its_verdict(world):
    counter = itertools.count()
    assets = []
    for n, (mix, (started, finished)) in enumerate(zip(MIXES, CHECKLISTS, strict=True)):
        asset = AssetFactory(team=world.phoenix, code=f"MIX-{n}")
        if started:
            review = review_start(asset=asset, user=None)
            if finished:
                ReviewItem.objects.filter(review=review).update(status=ReviewItem.Status.DONE)
        for severity, status, kind in mix:
            Finding.objects.create(
                team=world.phoenix,
                asset=asset,
                rule_id=f"rule-{next(counter)}",
                subject="asset",
                question="data_integrity",
                severity=severity,
                kind=kind,
                citation="test",
                title="t",
                message="m",
                status=status,
                computed_at=timezone.now(),
            )
        assets.append(asset)

    dashboard = team_dashboard(team=world.phoenix, today=timezone.localdate())

    shown = {asset.code: (light, answer) for asset, light, answer in dashboard.assets}
    lights = []
    for asset in assets:
        verdict = verdict_from(Finding.objects.filter(asset=asset), checklist=checklist_gate(asset_id=asset.pk))
        assert shown[asset.code] == (verdict.light, verdict.answer), asset.code
        lights.append(verdict.light)
    assert set(lights) == {"green", "amber", "not_established", "red"}  # every light is exercised
    assert lights[-2:] == ["not_established", "not_established"]  # no review; a critical item not done
    assert lights[0] == "green"

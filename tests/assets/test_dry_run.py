"""A change tried and undone: the write and everything it sets off run, what it would do to the findings is told
with citations, and nothing of it stays, not even what was meant to run after the commit."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.exceptions import ValidationError

from assets.dry_run import dry_run
from assets.models import Study, StudySite
from assets.registry import registry_import
from diligence.models import Finding, Notification
from diligence.services.findings import findings_effects
from tests.assets.test_registry_import import registry_file
from tests.factories import AssetFactory

pytestmark = pytest.mark.django_db


def import_onto(asset, name: str):
    return registry_import(team=asset.team, files=[registry_file(name)], user=None, asset=asset)


def test_a_registry_import_tried_reports_the_findings_it_would_raise_and_writes_nothing(
    world, django_capture_on_commit_callbacks
):
    asset = AssetFactory(team=world.phoenix)
    rows_before = (Study.objects.count(), StudySite.objects.count(), Finding.objects.count())
    notices_before = Notification.objects.count()

    with django_capture_on_commit_callbacks(execute=True) as after_commit:
        report, tried = dry_run(lambda: import_onto(asset, "NCT03204344.xml"))

    assert report.files[0].studies[0].status == "created"  # what the import would have done
    assert (Study.objects.count(), StudySite.objects.count(), Finding.objects.count()) == rows_before
    assert Notification.objects.count() == notices_before and after_commit == []
    appearing = [effect for effect in tried.effects if effect["change"] == "appears"]
    assert appearing, tried.effects
    assert all(effect["asset_code"] == asset.code and effect["citation"] for effect in appearing)

    # The real import raises the findings the dry run announced: the same rules on the same kinds of subject (the
    # rows it tried had ids of their own, as sequences are not rolled back).
    import_onto(asset, "NCT03204344.xml")
    raised = Finding.objects.filter(asset=asset, status__in=Finding.ACTIVE).values_list("rule_id", "subject")
    assert Counter((rule, subject.split(":")[0]) for rule, subject in raised) == Counter(
        (effect["rule_id"], str(effect["subject"]).split(":")[0]) for effect in appearing
    )


def test_an_unchanged_record_tried_again_would_change_no_finding(world):
    asset = AssetFactory(team=world.phoenix)
    import_onto(asset, "NCT03204344.xml")
    report, tried = dry_run(lambda: import_onto(asset, "NCT03204344.xml"))
    assert report.files[0].studies[0].status == "unchanged" and tried.effects == []


def test_a_refusal_inside_a_dry_run_propagates_and_nothing_stays(world):
    asset = AssetFactory(team=world.phoenix)

    def write_then_refuse():
        import_onto(asset, "NCT03204344.xml")
        raise ValidationError("refused")

    with pytest.raises(ValidationError):
        dry_run(write_then_refuse)
    assert not Study.objects.filter(asset=asset).exists()


def test_findings_effects_tell_appear_disappear_and_change_with_what_it_was():
    def row(rule: str, severity: str, message: str = "m") -> dict[str, object]:
        return {
            "asset_id": 1, "asset__code": "CT053", "rule_id": rule, "subject": "study:1", "severity": severity,
            "kind": "breach", "title": rule, "citation": "Order 818 art. 5", "message": message, "question": "ethics",
        }  # fmt: skip

    before = {
        (1, "a", "study:1"): row("a", "high"),
        (1, "b", "study:1"): row("b", "medium"),
        (1, "c", "study:1"): row("c", "info"),
    }
    after = {
        (1, "b", "study:1"): row("b", "high"),
        (1, "c", "study:1"): row("c", "info"),
        (1, "d", "study:1"): row("d", "medium"),
    }
    effects = {effect["rule_id"]: effect for effect in findings_effects(before=before, after=after)}
    assert set(effects) == {"a", "b", "d"}  # c is the same before and after
    assert effects["a"]["change"] == "disappears" and effects["a"]["severity"] == "high"
    assert effects["d"]["change"] == "appears" and "was" not in effects["d"]
    assert effects["b"]["change"] == "changes" and effects["b"]["was"] == {"severity": "medium"}
    assert effects["b"]["severity"] == "high" and effects["b"]["citation"] == "Order 818 art. 5"

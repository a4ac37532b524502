"""Green means checked and clean: a question with a fact unknown or a critical checklist item not done is "not yet
established" and says what is missing, on the page, in the memo's PDF, on the dashboard and from ``findings``."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assets.models import Asset
from diligence.memos.render import render_memo_html, render_memo_pdf
from diligence.memos.snapshot import build_snapshot
from diligence.models import Finding, ReviewItem
from diligence.models.checklists import Criticality
from diligence.rules.verdict import NO_REVIEW, ChecklistGate, verdict_from
from diligence.selectors.dashboard import team_dashboard
from diligence.services.checklists import review_start
from diligence.services.findings import findings_recompute
from diligence.services.standing import standings_rebuild
from tests.conftest import client_for
from tests.factories import EvidenceQualityFactory, StudyFactory

pytestmark = pytest.mark.django_db

ALL_DONE = ChecklistGate(started=True)


def finding(question: str, severity: str, status: str = "open", kind: str = "breach") -> Finding:
    return Finding(
        question=question,
        severity=severity,
        status=status,
        kind=kind,
        rule_id=f"r-{question}-{severity}-{kind}",
        remedy=f"fix {question}",
        citation="X",
        message=f"m {question}",
    )


def lights_of(findings: list[Finding], gate: ChecklistGate = ALL_DONE) -> dict[str, str]:
    return {q.key: q.light for q in verdict_from(findings, checklist=gate).questions}


# --- the rule of the lights ------------------------------------------------------------------------------------


def test_green_only_when_nothing_is_missing():
    verdict = verdict_from([], checklist=ALL_DONE)
    assert (verdict.answer, verdict.light) == ("yes", "green")
    assert all(q.missing == [] for q in verdict.questions)


def test_no_review_leaves_every_question_not_yet_established_and_says_so():
    verdict = verdict_from([], checklist=ChecklistGate(started=False))
    assert (verdict.answer, verdict.light) == ("not yet established", "not_established")
    assert all(q.light == "not_established" and q.missing == [NO_REVIEW] for q in verdict.questions)


def test_an_unfinished_critical_item_holds_only_its_question():
    gate = ChecklistGate(started=True, unfinished={"hgr_export": ["HGR approval on file"]})
    verdict = verdict_from([], checklist=gate)
    lights = {q.key: q for q in verdict.questions}
    assert lights["hgr_export"].light == "not_established"
    assert lights["hgr_export"].missing == ["1 critical checklist item not done: HGR approval on file"]
    assert lights["ownership"].light == "green"


def test_an_open_item_is_not_yet_established_a_mitigated_one_amber():
    assert lights_of([finding("hgr_export", "medium", kind="unknown")])["hgr_export"] == "not_established"
    assert lights_of([finding("hgr_export", "info", kind="unknown")])["hgr_export"] == "not_established"
    assert lights_of([finding("hgr_export", "medium", "acknowledged", "unknown")])["hgr_export"] == "not_established"
    assert lights_of([finding("hgr_export", "medium", "mitigated", "unknown")])["hgr_export"] == "amber"
    assert lights_of([finding("hgr_export", "medium", "resolved", "unknown")])["hgr_export"] == "green"


def test_red_outranks_not_yet_established_which_outranks_amber():
    unknown, medium, high = (
        finding("ownership", "medium", kind="unknown"),
        finding("ownership", "medium"),
        finding("ownership", "high"),
    )
    assert lights_of([unknown, medium])["ownership"] == "not_established"
    assert lights_of([unknown, high])["ownership"] == "red"
    assert verdict_from([unknown, medium], checklist=ALL_DONE).answer == "not yet established"
    assert verdict_from([medium], checklist=ALL_DONE).answer == "yes, with conditions"


def test_breach_lights_are_as_before():
    verdict = verdict_from([finding("ownership", "medium"), finding("registration", "info")], checklist=ALL_DONE)
    assert (verdict.answer, verdict.conditions) == ("yes, with conditions", ["fix ownership"])
    verdict = verdict_from([finding("hgr_export", "high")], checklist=ALL_DONE)
    lights = {q.key: q.light for q in verdict.questions}
    assert verdict.answer == "no" and lights["hgr_export"] == "red" and lights["ownership"] == "green"
    assert lights_of([finding("hgr_export", "high", "mitigated")])["hgr_export"] == "amber"
    assert lights_of([finding("hgr_export", "high", "resolved")])["hgr_export"] == "green"


# --- through the command, the page, the dashboard and the memo ------------------------------------------------


def verdict_json(asset: Asset) -> dict[str, Any]:
    out = io.StringIO()
    call_command("findings", asset.code, "--team", asset.team.slug, "--json", "--verdict", stdout=out)
    return json.loads(out.getvalue())


def question(verdict: dict[str, Any], key: str) -> dict[str, Any]:
    return next(q for q in verdict["questions"] if q["question"] == key)


def hgr_asset(world, **evidence: str) -> Asset:
    """An asset of phoenix whose HGR facts are as given; data and samples sent abroad and foreign involvement
    default to no."""
    study = StudyFactory(asset__team=world.phoenix, asset__code="HGR-1")
    known_clean = {"foreign_party_involved": "no", "data_sent_abroad": "no", "samples_sent_abroad": "no"}
    EvidenceQualityFactory(study=study, **{**known_clean, **evidence})
    assert study.asset is not None
    return study.asset


def finish_critical_items(asset: Asset, question_key: str) -> None:
    ReviewItem.objects.filter(
        review__asset=asset, question=question_key, template_item__criticality=Criticality.CRITICAL
    ).update(status=ReviewItem.Status.DONE)
    standings_rebuild(asset_ids=[asset.pk])  # the update sends no signal


def test_untouched_hgr_question_is_not_yet_established_and_says_what_is_missing(world):
    asset = hgr_asset(world, data_sent_abroad="unknown")
    review_start(asset=asset, user=None)
    hgr = question(verdict_json(asset), "hgr_export")
    assert hgr["light"] == "not_established" and hgr["light_label"] == "Not yet established"
    assert any("sent abroad is not recorded" in gap for gap in hgr["missing"])
    assert any("critical checklist item" in gap for gap in hgr["missing"])


def test_hgr_question_is_green_once_its_facts_are_known_and_clean_and_its_critical_items_done(world):
    asset = hgr_asset(world)
    review_start(asset=asset, user=None)
    assert question(verdict_json(asset), "hgr_export")["light"] == "not_established"  # checklist not done
    finish_critical_items(asset, "hgr_export")
    hgr = question(verdict_json(asset), "hgr_export")
    assert (hgr["light"], hgr["missing"], hgr["reasons"]) == ("green", [], [])


def test_without_a_review_the_command_says_none_was_started(world):
    asset = hgr_asset(world)
    verdict = verdict_json(asset)
    assert verdict["answer"] == "not yet established"
    assert all(NO_REVIEW in q["missing"] for q in verdict["questions"])


def test_the_page_says_not_yet_established_and_what_is_missing(world):
    asset = hgr_asset(world, data_sent_abroad="unknown")
    findings_recompute(asset_id=asset.pk)
    review_start(asset=asset, user=None)
    page = client_for(world.member).get(reverse("diligence:asset_findings", args=[asset.pk])).content.decode()
    assert "Not yet established" in page and "Missing:" in page
    assert "sent abroad is not recorded" in page
    assert "finding.rule_id" not in page and "hgr-outbound-data" not in page  # labels, never rule ids

    for key in ("data_integrity", "consent_ethics", "hgr_export", "ownership", "registration"):
        finish_critical_items(asset, key)
    EvidenceQualityFactory._meta.model.objects.filter(study__asset=asset).update(data_sent_abroad="no")
    findings_recompute(asset_id=asset.pk)
    page = client_for(world.member).get(reverse("diligence:asset_findings", args=[asset.pk])).content.decode()
    assert "Checked: the facts its rules need are known and clean" in page


def test_the_dashboard_light_agrees_with_the_verdict_including_not_yet_established(world):
    untouched = hgr_asset(world, data_sent_abroad="unknown")
    findings_recompute(asset_id=untouched.pk)
    dashboard = team_dashboard(team=world.phoenix, today=timezone.localdate())
    shown = {asset.code: (asset.light, asset.answer) for asset in dashboard.assets}
    assert shown["HGR-1"] == ("not_established", "not yet established")


def test_the_memo_pdf_says_not_yet_established_and_what_is_missing(world):
    asset = hgr_asset(world, data_sent_abroad="unknown")
    findings_recompute(asset_id=asset.pk)
    review = review_start(asset=asset, user=None)
    snapshot = build_snapshot(
        asset=asset,
        review=review,
        team=asset.team,
        version=1,
        previous=None,
        today=dt.date(2026, 11, 26),
        generated_at=dt.datetime(2026, 11, 26, 6, 3, tzinfo=dt.UTC),
    )
    assert snapshot["verdict"]["answer"] == "not yet established"
    pdf = render_memo_pdf(render_memo_html(snapshot)).pdf
    text = " ".join(
        " ".join(page.extract_text().replace("\x00", "").split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    assert "Not yet established" in text
    assert "Missing: Whether data from" in text and "sent abroad is not recorded" in text
    assert "Open item (a fact is unknown): Whether data from" in text
    assert "No open finding." not in text and "Yes: the data can travel." not in text

"""Findings follow the facts, keep their history, and answer 'does this data travel?'."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from assets.models import Asset, EthicsApproval
from assets.services import fact_delete, fact_save
from diligence.models import Finding
from diligence.services.findings import finding_set_status, findings_recompute
from tests.factories import EthicsApprovalFactory, StudySiteFactory

pytestmark = pytest.mark.django_db


def active(asset: Asset) -> set[tuple[str, str]]:
    return {(f.rule_id, f.status) for f in Finding.objects.filter(asset=asset) if f.is_active}


def test_a_fact_change_recomputes_findings_in_the_same_transaction(world):
    site = StudySiteFactory(study__asset__team=world.phoenix)
    asset = site.study.asset
    assert asset is not None
    findings_recompute(asset_id=asset.pk)
    assert ("ethics-coverage", "open") in active(asset)
    approval = EthicsApproval(
        study_site=site,
        committee="EC",
        approval_date=dt.date(2024, 2, 1),
        consent_commercial_use="yes",
        consent_cross_border="yes",
    )
    fact_save(instance=approval, user=world.member)
    finding = Finding.objects.get(asset=asset, rule_id="ethics-coverage")
    assert finding.status == "resolved" and finding.resolved_at is not None


def test_a_resolved_finding_reopens_when_the_fact_returns(world):
    approval = EthicsApprovalFactory(study_site__study__asset__team=world.phoenix)
    asset = approval.study_site.study.asset
    assert asset is not None
    findings_recompute(asset_id=asset.pk)
    fact_delete(instance=approval, user=world.member)
    finding = Finding.objects.get(asset=asset, rule_id="ethics-coverage")
    assert finding.status == "open"
    assert [h.status for h in finding.history.order_by("history_date")] == ["open"]


def test_recompute_is_idempotent(world):
    asset = StudySiteFactory(study__asset__team=world.phoenix).study.asset
    assert asset is not None
    first = findings_recompute(asset_id=asset.pk)
    history_rows = Finding.history.count()
    second = findings_recompute(asset_id=asset.pk)
    assert first.raised and not second.raised and not second.resolved
    assert Finding.history.count() == history_rows


def test_acknowledge_and_mitigate_need_a_note_and_are_recorded(world):
    asset = StudySiteFactory(study__asset__team=world.phoenix).study.asset
    assert asset is not None
    findings_recompute(asset_id=asset.pk)
    finding = Finding.objects.get(rule_id="ethics-coverage")
    with pytest.raises(ValidationError):
        finding_set_status(finding=finding, user=world.member, status="mitigated", note=" ")
    mitigated = finding_set_status(finding=finding, user=world.member, status="mitigated", note="Letter requested")
    assert (mitigated.status, mitigated.status_changed_by) == ("mitigated", world.member)
    assert mitigated.history.latest().history_user == world.member
    findings_recompute(asset_id=asset.pk)
    assert Finding.objects.get(pk=finding.pk).status == "mitigated"  # a recompute keeps the team's judgement


# --- the demo assets -------------------------------------------------------------------------------------------


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=StringIO())


def findings_json(code: str, *extra: str) -> Any:  # the command's JSON
    out = StringIO()
    call_command("findings", code, "--team", "phoenix", "--json", *extra, stdout=out)
    return json.loads(out.getvalue())


def test_demo_risk_shows_each_planted_problem_with_its_citation(demo):
    found = {(f["rule"], f["citation"]) for f in findings_json("DEMO-RISK")}
    assert {
        ("order818-site-grade", "ORDER-818"),
        ("order818-nhc-filing", "ORDER-818"),
        ("consent-cross-border", "DQ-CONSENT"),
        ("ethics-coverage", "CFR-312.120"),
        ("hgr-foreign-use", "HGR-2024"),
        ("hgr-outbound-data", "HGR-2024"),
        ("overpayment-trap", "DEAL-TRAP"),
        ("iit-grade-evidence", "CFR-312.120"),
        ("cfr312-foreign-data", "CFR-312.120"),
        ("ich-e17-no-mrct", "ICH-E17"),
        ("ownership-assignment", "DQ-OWNERSHIP"),
        ("nmpa86-timeline", "NMPA-86"),
        ("us-approp-watch", "US-APPROP"),
        ("efficacy-claim-hygiene", "DQ-EVIDENCE"),
        ("milestones-reward-evidence", "DEAL-TRAP"),  # no milestone rewards confirmatory data
    } <= found
    nhc = next(f for f in findings_json("DEMO-RISK") if f["rule"] == "order818-nhc-filing")
    assert "6th China working day" in nhc["message"]
    for finding in findings_json("DEMO-RISK"):
        assert set(finding) >= {"rule", "question", "severity", "citation", "message"}


def test_lcar_b38m_is_iit_grade_and_predates_order_818(demo):
    rules = {f["rule"] for f in findings_json("LCAR-B38M")}
    assert "iit-grade-evidence" in rules
    assert not {r for r in rules if r.startswith("order818")}


def test_findings_command_verdict_and_errors(demo):
    verdict = findings_json("DEMO-RISK", "--verdict")
    assert verdict["answer"] == "no"
    assert {q["question"] for q in verdict["questions"]} == {
        "data_integrity",
        "consent_ethics",
        "hgr_export",
        "ownership",
        "registration",
    }
    assert verdict["what_it_would_take"]
    with pytest.raises(CommandError, match="No asset"):
        call_command("findings", "ATL-101", "--team", "phoenix", "--json", stdout=StringIO())

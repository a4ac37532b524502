"""Storing what the rules raise: findings are recomputed in the writing transaction whenever facts change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from diligence.models import Finding
from diligence.rules import RuleFinding, evaluate
from diligence.rules.facts import load_asset_facts
from diligence.services import queue
from diligence.services.standing import FINDINGS, standings_refresh

if TYPE_CHECKING:
    from teams.models import User


@dataclass
class FindingsDelta:
    raised: list[Finding] = field(default_factory=list)
    reopened: list[Finding] = field(default_factory=list)
    resolved: list[Finding] = field(default_factory=list)
    active: int = 0


UPDATED_FIELDS = (
    "question",
    "severity",
    "kind",
    "citation",
    "title",
    "message",
    "remedy",
    "facts",
    "status",
    "resolved_at",
    "computed_at",
)


def _values(found: RuleFinding) -> dict[str, object]:
    return {
        "question": found.rule.question,
        "severity": found.severity,
        "kind": found.kind,
        "citation": found.rule.citation,
        "title": found.rule.title,
        "message": found.raised.message,
        "remedy": found.rule.remedy,
        "facts": found.raised.facts,
    }


@transaction.atomic
def findings_recompute(*, asset_id: int, today: dt.date | None = None) -> FindingsDelta:
    """Run every rule over the asset and store the result: new findings raised, changed ones updated, ones no
    longer raised kept as resolved (so what changed can be told later). Idempotent: nothing written if nothing
    changed."""
    facts = load_asset_facts(asset_id=asset_id, today=today or timezone.localdate())
    delta = FindingsDelta()
    if facts is None:
        return delta
    now = timezone.now()
    stored = {(f.rule_id, f.subject): f for f in Finding.objects.select_for_update().filter(asset_id=asset_id)}
    seen: set[tuple[str, str]] = set()
    changed: list[Finding] = []
    for found in evaluate(facts):
        key = (found.rule.id, found.raised.subject)
        seen.add(key)
        values = _values(found)
        finding = stored.get(key)
        if finding is None:
            finding = Finding(team_id=facts.asset.team_id, asset_id=asset_id, rule_id=key[0], subject=key[1], **values)
            finding.computed_at = now
            delta.raised.append(finding)
            continue
        reopened = finding.status == Finding.Status.RESOLVED
        if reopened or any(getattr(finding, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(finding, name, value)
            if reopened:
                finding.status, finding.resolved_at = Finding.Status.OPEN, None
                delta.reopened.append(finding)
            finding.computed_at = now
            changed.append(finding)
    for key, finding in stored.items():
        if key not in seen and finding.status != Finding.Status.RESOLVED:
            finding.status, finding.resolved_at, finding.computed_at = Finding.Status.RESOLVED, now, now
            changed.append(finding)
            delta.resolved.append(finding)
    # In bulk, history included: an asset with a thousand sites raises a thousand findings in a few queries.
    if delta.raised:
        bulk_create_with_history(delta.raised, Finding, batch_size=500)
    if changed:
        bulk_update_with_history(changed, Finding, fields=[*UPDATED_FIELDS], batch_size=500)
    if delta.raised or changed:  # written in bulk, the findings sent no signal
        standings_refresh({asset_id}, parts={FINDINGS})
    delta.active = len(seen)
    return delta


# A shared fact (a hospital of the directory, the house policy) may touch assets of many teams: up to this many are
# recomputed in the writing transaction, more by a worker once it commits, so one edit never stalls its request.
RECOMPUTE_INLINE_LIMIT = 25


def findings_recompute_many(*, asset_ids: Iterable[int]) -> int:
    """Recompute each asset's findings (each in its own transaction), returning how many assets were recomputed."""
    count = 0
    for asset_id in sorted(set(asset_ids)):
        findings_recompute(asset_id=asset_id)
        count += 1
    return count


def findings_recompute_affected(*, asset_ids: Iterable[int]) -> bool:
    """The findings of every asset a shared fact touched, recomputed now if they are few (returns False) or by a
    worker after the writing transaction commits if they are many (returns True)."""
    ids = sorted(set(asset_ids))
    if len(ids) <= RECOMPUTE_INLINE_LIMIT:
        findings_recompute_many(asset_ids=ids)
        return False
    transaction.on_commit(lambda: queue.send(queue.FINDINGS_RECOMPUTE, args=[ids]))
    return True


ACTIONS: dict[str, str] = {
    Finding.Status.ACKNOWLEDGED: "acknowledge",
    Finding.Status.MITIGATED: "mitigate",
    Finding.Status.OPEN: "reopen",
}


@transaction.atomic
def finding_set_status(*, finding: Finding, user: User, status: str, note: str) -> Finding:
    """Acknowledge or mitigate a finding with a note (it stays visible), or reopen it. Recorded in its history."""
    if status not in ACTIONS:
        raise ValidationError({"status": "Choose acknowledged, mitigated or open."})
    current = Finding.objects.select_for_update().get(pk=finding.pk)
    if current.status == Finding.Status.RESOLVED:
        raise ValidationError("The rule no longer raises this finding; there is nothing to act on.")
    if status != Finding.Status.OPEN and not note.strip():
        raise ValidationError({"note": f"Say why you {ACTIONS[status]} it."})
    current.status, current.note = status, note.strip()
    current.status_changed_by, current.status_changed_at = user, timezone.now()
    current._history_user = user  # simple-history's documented hook for the actor
    current.save()
    return current


# What a tried change (``assets.dry_run``) would do to the findings: compared on the active findings, by rule and
# subject, before the rules ran on the changed facts and after.
EFFECT_FIELDS = ("severity", "kind", "title", "citation", "message", "question")


def findings_active_snapshot(*, asset_ids: Iterable[int]) -> dict[tuple[int, str, str], dict[str, object]]:
    rows = Finding.objects.filter(asset_id__in=set(asset_ids), status__in=Finding.ACTIVE).values(
        "asset_id", "asset__code", "rule_id", "subject", *EFFECT_FIELDS
    )
    return {(row["asset_id"], row["rule_id"], row["subject"]): row for row in rows}


def findings_effects(
    *, before: dict[tuple[int, str, str], dict[str, object]], after: dict[tuple[int, str, str], dict[str, object]]
) -> list[dict[str, object]]:
    """Each finding that would appear, disappear or change (severity, kind or wording), with its citation: the
    ones after the change for those that stay or appear, the ones before for those that go."""
    effects: list[dict[str, object]] = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if new is None:
            change, shown = "disappears", before[key]
        elif old is None:
            change, shown = "appears", new
        elif any(old[name] != new[name] for name in EFFECT_FIELDS):
            change, shown = "changes", new
        else:
            continue
        effect: dict[str, object] = {"change": change, "asset_code": shown["asset__code"]}
        effect.update({name: shown[name] for name in ("asset_id", "rule_id", "subject", *EFFECT_FIELDS)})
        if old is not None and new is not None:
            effect["was"] = {name: old[name] for name in EFFECT_FIELDS if old[name] != new[name]}
        effects.append(effect)
    return effects

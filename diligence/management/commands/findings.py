"""``python manage.py findings CODE --team SLUG [--json] [--verdict]``: the asset's findings, freshly computed."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assets.models import Asset
from diligence.models import Finding
from diligence.rules.verdict import verdict_from
from diligence.selectors.reviews import checklist_gate
from diligence.services.findings import findings_recompute


class Command(BaseCommand):
    help = "Recompute and print an asset's findings (and, with --verdict, the answer to 'does this data travel?')."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="The asset's code within the team.")
        parser.add_argument("--team", required=True, help="The team's slug.")
        parser.add_argument("--json", action="store_true", help="Print JSON.")
        parser.add_argument("--verdict", action="store_true", help="Print the verdict instead of the findings.")
        parser.add_argument("--all", action="store_true", help="Include resolved findings.")

    def handle(self, *args: object, **options: object) -> None:
        asset = Asset.objects.filter(team__slug=options["team"], code=options["code"]).first()
        if asset is None:
            raise CommandError(f"No asset {options['code']!r} in team {options['team']!r}.")
        findings_recompute(asset_id=asset.pk)
        findings = Finding.objects.filter(asset=asset).order_by("question", "severity", "rule_id", "subject")
        active = [f for f in findings if options["all"] or f.is_active]
        if options["verdict"]:
            verdict = verdict_from(active, checklist=checklist_gate(asset_id=asset.pk))
            if options["json"]:
                self.stdout.write(json.dumps(verdict.as_dict(), indent=2, ensure_ascii=False))
            else:
                self.stdout.write(f"Does {asset.code}'s data travel? {verdict.answer.upper()}")
                for q in verdict.questions:
                    self.stdout.write(f"  {q.light_label:<19} {q.label}")
                    for gap in q.missing:
                        self.stdout.write(f"  {'':<19}   missing: {gap}")
            return
        if options["json"]:
            self.stdout.write(json.dumps([as_json(f) for f in active], indent=2, ensure_ascii=False))
            return
        for f in active:
            self.stdout.write(f"{f.severity.upper():<7} [{f.citation}] {f.rule_id}: {f.message}")


def as_json(finding: Finding) -> dict[str, object]:
    return {
        "rule": finding.rule_id,
        "question": finding.question,
        "severity": finding.severity,
        "kind": finding.kind,
        "citation": finding.citation,
        "title": finding.title,
        "message": finding.message,
        "subject": finding.subject,
        "status": finding.status,
        "remedy": finding.remedy,
        "facts": finding.facts,
    }

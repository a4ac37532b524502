"""``python manage.py export_dossier CODE --team SLUG``: one asset's dossier as JSON on stdout."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assets.dossier import dossier_dumps, dossier_export
from assets.models import Asset
from teams import access


class Command(BaseCommand):
    help = "Write an asset's dossier (assets/dossier/schema.json) to stdout as UTF-8 JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="The asset's code within the team, e.g. LCAR-B38M.")
        parser.add_argument("--team", required=True, help="The slug of the deal team that owns the asset.")

    def handle(self, *args: object, **options: Any) -> None:
        team = access.team_by_slug(options["team"])
        if team is None:
            raise CommandError(f"No deal team with the slug {options['team']!r}.")
        asset = Asset.objects.filter(team=team, code=options["code"]).first()
        if asset is None:
            raise CommandError(f"Team {team.slug!r} has no asset with the code {options['code']!r}.")
        # dossier_dumps ends with a newline already; BaseCommand would add a second one.
        self.stdout.write(dossier_dumps(dossier_export(asset=asset)), ending="")

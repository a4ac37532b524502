"""``python manage.py export_team SLUG [--output PATH]``: the whole team as one zip archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from diligence.team_archive import ArchiveError, team_export
from teams import access


class Command(BaseCommand):
    help = (
        "Write a deal team to one zip archive: its assets' dossiers, memberships, reviews with evidence files, "
        "findings' triage and memos with their PDFs and partner review. Restore it with import_team."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The team's slug, e.g. phoenix.")
        parser.add_argument("--output", help="Where to write the archive (default: <slug>-<date>.zip here).")

    def handle(self, *args: object, **options: Any) -> None:
        team = access.team_by_slug(options["slug"])
        if team is None:
            raise CommandError(f"No deal team with the slug {options['slug']!r}.")
        path = Path(options["output"] or f"{team.slug}-{timezone.localdate():%Y-%m-%d}.zip")
        if path.exists():
            raise CommandError(f"{path} already exists; move it away or choose another path with --output.")
        if not path.parent.is_dir():
            raise CommandError(f"{path.parent} is not a folder.")
        try:
            result = team_export(team=team, path=path)
        except ArchiveError as error:
            raise CommandError(f"Export refused, no archive written: {error}") from error
        self.stdout.write(result.summary())

"""``python manage.py import_team ARCHIVE``: restore a team written by export_team; all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from diligence.team_archive import ArchiveError, team_restore


class Command(BaseCommand):
    help = (
        "Restore a deal team from an archive written by export_team, into an install that does not have the team. "
        "The archive is checked in full first; then everything is written in one transaction, or nothing is."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="The zip archive written by export_team.")

    def handle(self, *args: object, **options: Any) -> None:
        try:
            result = team_restore(path=Path(options["archive"]))
        except ArchiveError as error:
            raise CommandError(f"Archive refused, nothing was written. {error}") from error
        self.stdout.write(result.summary())
        if result.created_users:
            names = ", ".join(result.created_users)
            count = len(result.created_users)
            self.stdout.write(
                f"Created {count} user{'s' if count != 1 else ''} this install did not have, inactive and without a "
                f"usable password (activate them and set a password to let them log in): {names}."
            )

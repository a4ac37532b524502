"""``python manage.py import_dossier FILE --team SLUG``: create or update an asset from its dossier, all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assets.dossier import DossierError, dossier_import, dossier_loads
from teams import access

if TYPE_CHECKING:
    from teams.models import User


class Command(BaseCommand):
    help = "Import an asset's dossier (assets/dossier/schema.json) into a team; all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The dossier JSON file, or - to read it from stdin.")
        parser.add_argument("--team", required=True, help="The slug of the deal team to import into.")
        parser.add_argument("--user", help="Username recorded in the history as the author of the changes.")

    def handle(self, *args: object, **options: Any) -> None:
        team = access.team_by_slug(options["team"])
        if team is None:
            raise CommandError(f"No deal team with the slug {options['team']!r}.")
        user = self._user(options["user"])
        raw = self._read(options["file"])
        try:
            result = dossier_import(team=team, document=dossier_loads(raw), user=user)
        except DossierError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            count = len(error.problems)
            plural = "s" if count != 1 else ""
            raise CommandError(f"Dossier refused ({count} problem{plural}); nothing was written.") from error
        self.stdout.write(result.summary())

    def _user(self, username: str | None) -> User | None:
        if username is None:
            return None
        user = access.user_by_username(username)
        if user is None:
            raise CommandError(f"No user with the username {username!r}.")
        return user

    def _read(self, name: str) -> bytes | str:
        """Bytes, so the loader (not the terminal's locale) decides whether the file is UTF-8."""
        if name == "-":
            stdin = sys.stdin
            return stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read()
        try:
            return Path(name).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {name}: {error.strerror}.") from error

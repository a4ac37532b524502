"""``python manage.py orphan_files [--delete] [--older-than MINUTES]``: stored evidence files and memo PDFs that no
row names, listed (and with --delete, removed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandParser

from diligence.stored_files import orphan_files


class Command(BaseCommand):
    help = "List stored evidence files and memo PDFs that no row names; --delete removes them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--delete", action="store_true", help="Remove the orphans after listing them.")
        parser.add_argument(
            "--older-than",
            type=int,
            default=60,
            metavar="MINUTES",
            help="Only files written this long ago (default 60): a younger one may be an upload still committing.",
        )

    def handle(self, *args: object, **options: Any) -> None:
        orphans = orphan_files(older_than=dt.timedelta(minutes=options["older_than"]))
        for name in orphans:
            if options["delete"]:
                default_storage.delete(name)
            self.stdout.write(f"{'deleted' if options['delete'] else 'orphan'}: {name}")
        verb = "deleted" if options["delete"] else "found"
        self.stdout.write(f"{len(orphans)} orphan file{'s' if len(orphans) != 1 else ''} {verb}.")

"""``python manage.py load_hospital_directory [FILE]``: hospitals and their aliases into the shared directory.

All or nothing (a file with any problem writes nothing, each problem named with its place) and idempotent (a second
run adds nothing). Without FILE, the directory file the project ships (``assets/directory/hospitals.json``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assets.directory.loading import DEFAULT_FILE, directory_file_load, directory_file_read


class Command(BaseCommand):
    help = "Load hospitals and their aliases (a JSON directory file) into the shared hospital directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE, help="A directory JSON file.")

    def handle(self, *args: object, **options: Any) -> None:
        try:
            result = directory_file_load(data=directory_file_read(options["file"]), user=None)
        except ValidationError as error:
            raise CommandError("Nothing was loaded: " + "; ".join(error.messages)) from error
        self.stdout.write(
            f"{result.created} hospitals created, {result.updated} filled in, {result.aliases_added} aliases added."
        )

"""``python manage.py dossier_format [--check]``: the published dossier format, written from the kinds registry.

``assets/dossier/schema.json`` is derived from the registry and the models; ``assets/dossier/example.json`` keeps its
values and is brought to the registry's fields (a new field at its default, a dropped one gone).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assets.dossier import dossier_dumps
from assets.dossier.example import EXAMPLE_PATH, example_from_kinds
from assets.dossier.schema import SCHEMA_PATH
from assets.dossier.schema_from_kinds import schema_dumps, schema_from_kinds


class Command(BaseCommand):
    help = (
        "Write the dossier's published JSON Schema (assets/dossier/schema.json) as the kinds registry and the models "
        "say it, and bring the example beside it to the registry's fields. Run it after adding, changing or "
        "removing a field of a kind of fact, and commit the result."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="Write nothing; fail if a committed file is not the derived one."
        )

    def handle(self, *args: object, **options: Any) -> None:
        example = json.loads(EXAMPLE_PATH.read_text(encoding="utf-8"))
        derived = {
            SCHEMA_PATH: schema_dumps(schema_from_kinds()),
            EXAMPLE_PATH: dossier_dumps(example_from_kinds(example)),
        }
        stale = [path for path, text in derived.items() if _read(path) != text]
        if options["check"]:
            if stale:
                names = " and ".join(path.name for path in stale)
                raise CommandError(f"{names} out of date: run `python manage.py dossier_format`.")
            self.stdout.write("The dossier's schema and example are up to date.")
            return
        for path in stale:
            path.write_text(derived[path], encoding="utf-8")
            self.stdout.write(f"Wrote {path}.")
        if not stale:
            self.stdout.write("The dossier's schema and example were already up to date.")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""

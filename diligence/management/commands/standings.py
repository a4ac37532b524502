"""``python manage.py standings [--check]``: count every asset's kept standing again from its rows.

The services keep each asset's standing in the transaction that writes its findings or checklist items; rows written
around them (a hand-made SQL fix, a bulk load) leave it behind. ``--check`` reports the assets whose kept counts
differ from their rows, writes nothing, and fails if there are any.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assets.models import Asset
from diligence.services.standing import standings_differing, standings_rebuild


class Command(BaseCommand):
    help = "Count every asset's standing (the dashboard's lights and counts) again from its findings and items."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Report differences only; write nothing.")

    def handle(self, *args: object, **options: object) -> None:
        if not options["check"]:
            self.stdout.write(f"Standings counted again: {standings_rebuild():,} assets.")
            return
        wrong = standings_differing()
        total = Asset.objects.count()
        if wrong:
            codes = sorted(Asset.objects.filter(pk__in=wrong).values_list("code", flat=True))
            raise CommandError(f"{len(wrong)} of {total} assets differ from their rows: {', '.join(codes)}.")
        self.stdout.write(f"All {total:,} assets' standings match their rows.")

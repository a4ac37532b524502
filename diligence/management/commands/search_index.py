"""``python manage.py search_index``: write every search entry again from the records.

Workers keep the index as records change; this is for a new install's existing data, after a restore, or when the
task queue was unreachable for a while (the web request's write stands; its entries wait for the next change).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from diligence.search.index import search_index_rebuild


class Command(BaseCommand):
    help = "Rewrite the search index from the records (assets, studies, hospitals, findings, checklists, files)."

    def handle(self, *args: object, **options: object) -> None:
        started = time.perf_counter()
        written = search_index_rebuild()
        self.stdout.write(f"Search index rewritten: {written:,} entries in {time.perf_counter() - started:.1f} s.")

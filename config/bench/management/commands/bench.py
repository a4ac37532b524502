"""``manage.py bench``: pages, memos, imports and load at deal-firm scale, as ratios against their floors."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.bench.scales import SCALES


class Command(BaseCommand):
    help = "Benchmark the app in a scratch database; print a table and write bench-results.json."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=sorted(SCALES),
            default=os.environ.get("BENCH_SCALE", "full"),
            help="Dataset size (default: $BENCH_SCALE, else full).",
        )
        parser.add_argument("--output", type=Path, default=Path(settings.BASE_DIR) / "bench-results.json")

    def handle(self, *args: object, scale: str, output: Path, **options: object) -> None:
        if scale not in SCALES:
            raise CommandError(f"Unknown scale {scale!r}: choose {', '.join(sorted(SCALES))}.")
        try:
            from config.bench import run  # psutil and the load tools are development dependencies
        except ImportError as error:
            raise CommandError(f"{error}: the benchmark needs the development install (make bench does it).") from None
        logging.getLogger("axes").setLevel(logging.WARNING)  # a line per benchmark login otherwise
        results = run.measure(SCALES[scale], say=lambda line: self.stderr.write(f"  {line}"))
        output.write_text(json.dumps(results, indent=2) + "\n")
        self.stdout.write(run.table(results))
        self.stdout.write("")
        for target, met in results["targets"].items():
            self.stdout.write(f"  {'ok  ' if met else 'MISS'}  {target}")
        self.stdout.write(f"\nWrote {output}")

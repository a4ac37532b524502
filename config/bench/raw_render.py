"""WeasyPrint alone, in a process of its own: ``python -m config.bench.raw_render FILE`` reads a memo's HTML
from FILE, then renders it to PDF bytes each time a line arrives on stdin and answers with the seconds and pages.

A process of its own because the benchmark's process holds the whole synthetic portfolio it wrote: rendering
there pays for Python's garbage collector walking it, which neither a worker nor this floor should."""

from __future__ import annotations

import json
import os
import sys
import time


def main(path: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    django.setup()
    import weasyprint

    from diligence.memos.fetcher import MEMO_ORIGIN, MemoUrlFetcher

    with open(path, encoding="utf-8") as file:
        html = file.read()
    for _line in sys.stdin:
        started = time.perf_counter()
        document = weasyprint.HTML(string=html, base_url=MEMO_ORIGIN, url_fetcher=MemoUrlFetcher()).render()
        document.write_pdf()
        print(json.dumps({"s": time.perf_counter() - started, "pages": len(document.pages)}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])

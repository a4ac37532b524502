"""The only URL fetcher a memo render uses: our own memo stylesheet, read from disk, and nothing else.

A memo carries user text (notes, names, messages). It is escaped, but if markup ever slipped through, WeasyPrint's
default fetcher would follow ``http://`` (server-side requests from inside the network) and ``file://`` (any file the
worker can read, embedded into a PDF that leaves the building). So every URL is refused unless it is one of the
few names below, on an origin that cannot resolve (``.invalid`` is reserved), mapped to a file we ship.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from django.contrib.staticfiles import finders
from weasyprint.urls import URLFetcher, URLFetcherResponse

# The pretend origin memo HTML is rendered against: "/static/memos/memo.css" resolves to it and nowhere else.
MEMO_ORIGIN: Final = "https://memo.invalid/"
STATIC_PREFIX: Final = "/static/"

# URL path -> static file name. Fonts would go here too; the memo uses system fonts only (fonts-noto-cjk).
SERVED: Final[dict[str, tuple[str, str]]] = {
    "/static/memos/memo.css": ("memos/memo.css", "text/css"),
}


class MemoFetchRefused(ValueError):
    """A memo asked for a URL that is not one of our own static files."""


class MemoUrlFetcher(URLFetcher):
    """Serves the allow-listed static files from disk and raises on everything else: no network, no paths."""

    def __init__(self) -> None:
        # Failing on errors stops the render: a memo that silently lost its stylesheet must not be signed.
        super().__init__(allowed_protocols=["https"], allow_redirects=False, fail_on_errors=True)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        path = self._path_of(url)
        name, mime = SERVED[path]
        found = finders.find(name)
        if not found:
            raise MemoFetchRefused(f"memo static file {name!r} is missing")
        return URLFetcherResponse(url, Path(str(found)).read_bytes(), {"Content-Type": mime})

    @staticmethod
    def _path_of(url: str) -> str:
        """The allow-listed path ``url`` names, compared as a whole string (no normalising, so no ``..`` tricks)."""
        if not isinstance(url, str) or not url.startswith(MEMO_ORIGIN):
            raise MemoFetchRefused(f"memo renders fetch nothing outside our static files: {url!r}")
        path = "/" + url.removeprefix(MEMO_ORIGIN)
        if path not in SERVED:
            raise MemoFetchRefused(f"not a memo static file: {url!r}")
        return path

"""A local stand-in for the ClinicalTrials.gov API v2 that the watch's tests change between checks: it serves the
records it is given (recorded or derived files), answers ``fields=`` requests with those fields alone, as the API
does, can be told to fail the next requests with a status, and keeps every request it was asked."""

from __future__ import annotations

import contextlib
import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class ApiState:
    records: dict[str, bytes] = field(default_factory=dict)
    failures: list[int] = field(default_factory=list)  # statuses to answer the next requests with, in turn
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def light(self) -> list[str]:
        return [path for path in self.requests if "fields=" in path]

    @property
    def full(self) -> list[str]:
        return [path for path in self.requests if "fields=" not in path]


def _only(document: dict, dotted: str) -> dict:
    """The document cut down to one dotted path, as the API's ``fields`` parameter cuts it."""
    keys = dotted.split(".")
    value: object = document
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            return {}
    for key in reversed(keys):
        value = {key: value}
    return value  # type: ignore[return-value]


def _handler(state: ApiState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with state.lock:
                state.requests.append(self.path)
                failing = state.failures.pop(0) if state.failures else None
            if failing is not None:
                self._answer(failing, b"Service Unavailable", "text/plain", retry_after="1" if failing == 429 else "")
                return
            url = urllib.parse.urlsplit(self.path)
            nct_id = url.path.rsplit("/", 1)[-1]
            record = state.records.get(nct_id)
            if record is None or not url.path.startswith("/api/v2/studies/"):
                self._answer(404, f"NCT number {nct_id} not found".encode(), "text/plain")
                return
            fields = urllib.parse.parse_qs(url.query).get("fields")
            if fields:
                record = json.dumps(_only(json.loads(record), fields[0])).encode()
            self._answer(200, record)

        def _answer(
            self, status: int, body: bytes, content_type: str = "application/json", retry_after: str = ""
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if retry_after:
                self.send_header("Retry-After", retry_after)
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # http.server's signature
            return

    return Handler


@contextlib.contextmanager
def registry_api() -> Iterator[tuple[ApiState, str]]:
    """The server's state and its API base URL (``.../api/v2``)."""
    state = ApiState()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/api/v2"
    finally:
        server.shutdown()
        server.server_close()

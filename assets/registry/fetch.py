"""One study from the ClinicalTrials.gov API v2 by its NCT id, with a timeout and a message a person can act on.

The standard library's urllib is enough for one GET; the base URL is a setting (CTGOV_API_BASE) so tests, and a
mirror behind a firewall, can serve the API from elsewhere.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from assets.registry.services import RegistryFile
from assets.registry.versions import last_update_posted

_NCT_ID = re.compile(r"^NCT\d{8}$")


class RegistryFetchError(Exception):
    """The record could not be fetched; the message says why and what to do. ``transient`` failures (429, 5xx,
    timeouts, no connection) are worth trying again later, after ``retry_after`` seconds when the API said so."""

    def __init__(self, message: str, *, transient: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after


@dataclass(frozen=True)
class FetchedRecord:
    nct_id: str
    url: str
    raw: bytes
    retrieved_at: dt.datetime

    def as_file(self) -> RegistryFile:
        return RegistryFile(
            name=f"{self.nct_id}.json",
            size=len(self.raw),
            read=lambda: self.raw,
            source=self.url,
            retrieved_at=self.retrieved_at,
            origin="fetch",
        )


def normalise_nct_id(value: str) -> str:
    """``nct03090659 `` -> ``NCT03090659``; ValueError for anything that is not an NCT id."""
    nct_id = value.strip().upper()
    if not _NCT_ID.match(nct_id):
        raise ValueError(f"{value.strip()!r} is not an NCT id (NCT followed by 8 digits, e.g. NCT03090659)")
    return nct_id


def ctgov_fetch(nct_id: str) -> FetchedRecord:
    """The study's API v2 JSON. Raises RegistryFetchError when the network or the API is not there for us."""
    nct_id = normalise_nct_id(nct_id)
    url = f"{_api_base()}/studies/{nct_id}?format=json"
    raw = _get(url, nct_id)
    return FetchedRecord(nct_id=nct_id, url=url, raw=raw, retrieved_at=timezone.now())


# The one field the watch asks for: a few dozen bytes instead of the whole record.
LAST_UPDATE_FIELD = "protocolSection.statusModule.lastUpdatePostDateStruct"


def ctgov_last_update(nct_id: str) -> str:
    """The date ClinicalTrials.gov last posted a change to the study ("2024-03-05"), asked for alone with
    ``fields=``; "" when the answer carries none."""
    nct_id = normalise_nct_id(nct_id)
    query = urllib.parse.urlencode({"format": "json", "fields": LAST_UPDATE_FIELD})
    raw = _get(f"{_api_base()}/studies/{nct_id}?{query}", nct_id)
    try:
        answer = json.loads(raw)
    except ValueError:
        raise RegistryFetchError(
            "ClinicalTrials.gov answered with something that is not JSON.", transient=True
        ) from None
    return last_update_posted(answer)


def _api_base() -> str:
    base = settings.CTGOV_API_BASE.rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise RegistryFetchError(f"CTGOV_API_BASE must be an http(s) URL, not {base!r}")
    return base


def _get(url: str, nct_id: str) -> bytes:
    """One GET, after waiting for this process's turn at the API (see ``_wait_turn``)."""
    _wait_turn(url)
    timeout = settings.CTGOV_API_TIMEOUT
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "iit-diligence"})  # noqa: S310 - scheme checked in _api_base
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked in _api_base
            return response.read(settings.DILIGENCE_MAX_REGISTRY_UPLOAD_BYTES + 1)
    except urllib.error.HTTPError as error:
        transient = error.code == 429 or error.code >= 500
        retry_after = _retry_after(error.headers.get("Retry-After")) if error.headers else None
        raise RegistryFetchError(
            _http_message(error.code, nct_id), transient=transient, retry_after=retry_after
        ) from None
    except TimeoutError:
        raise RegistryFetchError(_timeout_message(timeout), transient=True) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise RegistryFetchError(_timeout_message(timeout), transient=True) from None
        message = f"Could not reach ClinicalTrials.gov ({error.reason}); check the network connection and try again."
        raise RegistryFetchError(message, transient=True) from None
    except OSError as error:  # a connection reset half-way through the body
        raise RegistryFetchError(
            f"The connection to ClinicalTrials.gov failed ({error}); try again.", transient=True
        ) from None


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is rare for APIs and ignored)."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _wait_turn(url: str) -> None:
    """At most one request per ``CTGOV_MIN_INTERVAL_SECONDS`` to one API host from all our processes together:
    time is cut into slots of that length, and a request goes only in a slot whose key it added to the shared
    cache first (``cache.add`` is atomic in Redis). Waiting longer than ``CTGOV_MAX_WAIT_SECONDS`` is a transient
    failure, so a worker hands the check back to the queue rather than sleeping through its time limit."""
    interval = float(settings.CTGOV_MIN_INTERVAL_SECONDS)
    if interval <= 0:
        return
    host = urllib.parse.urlsplit(url).netloc
    give_up = time.monotonic() + float(settings.CTGOV_MAX_WAIT_SECONDS)
    while True:
        now = time.time()
        slot = math.floor(now / interval)
        if cache.add(f"ctgov-slot:{host}:{slot}", 1, timeout=math.ceil(interval) + 1):
            return
        if time.monotonic() >= give_up:
            raise RegistryFetchError(
                "Our own limit on requests to ClinicalTrials.gov is reached just now; trying again later.",
                transient=True,
            )
        time.sleep((slot + 1) * interval - now + 0.001)


def _timeout_message(timeout: float) -> str:
    return f"ClinicalTrials.gov did not answer within {timeout:g} seconds; try again later."


def _http_message(status: int, nct_id: str) -> str:
    if status == 404:
        return f"ClinicalTrials.gov has no study {nct_id}."
    if status == 429:
        return "ClinicalTrials.gov is limiting requests just now; wait a minute and try again."
    if status >= 500:
        return f"ClinicalTrials.gov is unavailable (HTTP {status}); try again later."
    return f"ClinicalTrials.gov refused the request for {nct_id} (HTTP {status})."

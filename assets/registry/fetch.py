"""One study from the ClinicalTrials.gov API v2 by its NCT id, with a timeout and a message a person can act on.

The standard library's urllib is enough for one GET; the base URL is a setting (CTGOV_API_BASE) so tests, and a
mirror behind a firewall, can serve the API from elsewhere.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from assets.registry.services import RegistryFile

_NCT_ID = re.compile(r"^NCT\d{8}$")


class RegistryFetchError(Exception):
    """The record could not be fetched; the message says why and what to do."""


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
    base = settings.CTGOV_API_BASE.rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise RegistryFetchError(f"CTGOV_API_BASE must be an http(s) URL, not {base!r}")
    url = f"{base}/studies/{nct_id}?format=json"
    timeout = settings.CTGOV_API_TIMEOUT
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "iit-diligence"})  # noqa: S310 - scheme checked above
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
            raw = response.read(settings.DILIGENCE_MAX_REGISTRY_UPLOAD_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise RegistryFetchError(_http_message(error.code, nct_id)) from None
    except TimeoutError:
        raise RegistryFetchError(_timeout_message(timeout)) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise RegistryFetchError(_timeout_message(timeout)) from None
        message = f"Could not reach ClinicalTrials.gov ({error.reason}); check the network connection and try again."
        raise RegistryFetchError(message) from None
    except OSError as error:  # a connection reset half-way through the body
        raise RegistryFetchError(f"The connection to ClinicalTrials.gov failed ({error}); try again.") from None
    return FetchedRecord(nct_id=nct_id, url=url, raw=raw, retrieved_at=timezone.now())


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

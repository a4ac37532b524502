"""Fetching by NCT id from the ClinicalTrials.gov API v2, against a real local HTTP server serving recorded
responses (no network in tests): success, a study the API does not have, the API down, nothing listening, and
an API too slow to answer."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse

from assets.models import Study
from assets.registry import RegistryFetchError, RegistryFile, ctgov_fetch, registry_import
from tests.assets.jobs import preview_and_poll, run_and_poll
from tests.fixtures import REGISTRY as FIXTURES

pytestmark = pytest.mark.django_db

RECORDED = {
    "NCT03090659": FIXTURES / "api" / "NCT03090659.json",
    "NCT00973089": FIXTURES / "NCT00973089.json",  # a real API v2 response
}
DOWN = "NCT09999503"  # the API answers 503 for this one
SLOW = "NCT09999999"  # and takes longer than the timeout for this one


class RecordedApi(BaseHTTPRequestHandler):
    """``GET /api/v2/studies/<NCT id>`` answered from recorded files, as ClinicalTrials.gov answers it."""

    requests: list[str] = []

    def do_GET(self) -> None:
        self.requests.append(self.path)
        nct_id = self.path.split("?")[0].rsplit("/", 1)[-1]
        if nct_id == SLOW:
            time.sleep(1.5)
        if nct_id in RECORDED and self.path.startswith("/api/v2/studies/"):
            self._answer(200, RECORDED[nct_id].read_bytes())
        elif nct_id == DOWN:
            self._answer(503, b"<html><body>Service Unavailable</body></html>", "text/html")
        else:
            self._answer(404, json.dumps({"message": f"Study {nct_id} not found"}).encode())

    def _answer(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (the timeout test)
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # http.server's signature
        return


@pytest.fixture
def ctgov_api(settings) -> Iterator[list[str]]:
    """A local stand-in for the API; yields the paths it was asked for."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordedApi)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CTGOV_API_BASE = f"http://127.0.0.1:{server.server_address[1]}/api/v2"
    settings.CTGOV_API_TIMEOUT = 0.5
    RecordedApi.requests = []
    try:
        yield RecordedApi.requests
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def nothing_listening(settings) -> None:
    """The API base on a port where nothing listens: the network, or the API, is not there."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CTGOV_API_BASE = f"http://127.0.0.1:{port}/api/v2"
    settings.CTGOV_API_TIMEOUT = 0.5


def test_a_study_is_fetched_as_recorded(ctgov_api):
    record = ctgov_fetch(" nct03090659 ")

    assert record.nct_id == "NCT03090659" and record.raw == RECORDED["NCT03090659"].read_bytes()
    assert record.url.endswith("/api/v2/studies/NCT03090659?format=json")
    assert ctgov_api == ["/api/v2/studies/NCT03090659?format=json"]


@pytest.mark.parametrize(
    ("nct_id", "message"),
    [
        ("NCT09999404", "ClinicalTrials.gov has no study NCT09999404."),
        (DOWN, "ClinicalTrials.gov is unavailable (HTTP 503); try again later."),
        (SLOW, "ClinicalTrials.gov did not answer within 0.5 seconds; try again later."),
    ],
)
def test_the_api_failing_gives_a_message_to_act_on(ctgov_api, nct_id, message):
    with pytest.raises(RegistryFetchError) as failed:
        ctgov_fetch(nct_id)
    assert str(failed.value) == message


def test_an_unreachable_api_says_so(nothing_listening):
    with pytest.raises(
        RegistryFetchError, match=r"^Could not reach ClinicalTrials.gov \(.*refused.*\); check the network"
    ):
        ctgov_fetch("NCT03090659")


def test_an_id_that_is_not_an_nct_id_is_refused_before_any_request(ctgov_api):
    with pytest.raises(ValueError, match="'NCT123' is not an NCT id"):
        ctgov_fetch("NCT123")
    assert ctgov_api == []


def test_the_fetch_button_starts_a_job_whose_worker_fetches_and_imports_the_study(world, client_as, ctgov_api):
    client = client_as("member")
    response = client.post(
        reverse("assets:registry_fetch"), {"fetch-team": world.phoenix.pk, "fetch-nct_id": "NCT00973089"}
    )

    assert response.status_code == 200 and ctgov_api == []  # the request only queued the fetch
    assert "Preparing the preview" in response.content.decode()
    job, preview = preview_and_poll(client, response)
    assert len(ctgov_api) == 1 and job.status == "awaiting" and not Study.objects.exists()
    assert "NCT00973089" in preview and "Confirm and import" in preview
    fetched = job.uploads[0]
    assert default_storage.exists(fetched["path"]) and fetched["source"].endswith("/studies/NCT00973089?format=json")
    html = run_and_poll(client, response)
    assert len(ctgov_api) == 1  # the import wrote the record the preview fetched: no second request
    assert "1 created, 0 updated, 0 unchanged; 0 files failed." in html
    study = Study.objects.get(team=world.phoenix, nct_id="NCT00973089")
    assert study.raw_source.endswith("/api/v2/studies/NCT00973089?format=json") and study.raw_format == "ctgov_json"
    assert (study.start_display, study.sponsor_type) == ("2010-05", "iit")


def test_the_fetch_button_shows_why_when_the_api_is_unreachable(world, client_as, nothing_listening):
    client = client_as("member")
    response = client.post(
        reverse("assets:registry_fetch"),
        {"fetch-team": world.phoenix.pk, "fetch-nct_id": "NCT03090659"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200  # htmx swaps the job's status in
    html = run_and_poll(client, response)
    assert "NCT03090659.json" in html and "Could not reach ClinicalTrials.gov" in html
    assert "0 created, 0 updated, 0 unchanged; 1 file failed." in html
    assert not Study.objects.exists()


def test_the_fetch_form_refuses_a_bad_id_and_another_team(world, client_as, ctgov_api):
    bad_id = client_as("member").post(
        reverse("assets:registry_fetch"), {"fetch-team": world.phoenix.pk, "fetch-nct_id": "12"}
    )
    assert bad_id.status_code == 400 and "is not an NCT id" in bad_id.content.decode()
    other_team = client_as("outsider").post(
        reverse("assets:registry_fetch"), {"fetch-team": world.phoenix.pk, "fetch-nct_id": "NCT03090659"}
    )
    assert other_team.status_code == 400 and "Select a valid choice" in other_team.content.decode()
    assert ctgov_api == [] and not Study.objects.exists()


def test_fetching_a_study_already_imported_from_a_search_response_changes_nothing(world, ctgov_api):
    raw = (FIXTURES / "ctgov_search.json").read_bytes()
    registry_import(team=world.phoenix, files=[RegistryFile("search.json", len(raw), lambda: raw)], user=world.member)

    report = registry_import(team=world.phoenix, files=[ctgov_fetch("NCT03090659").as_file()], user=world.member)

    assert report.files[0].studies[0].status == "unchanged"  # the same record, laid out differently


def test_the_command_fetches_and_fails_for_what_it_could_not_fetch(world, ctgov_api):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 of 3 files failed"):
        call_command(
            "import_ctgov",
            "--fetch",
            "NCT03090659",
            "NCT00973089",
            DOWN,
            "--team",
            "phoenix",
            "--json",
            stdout=out,
            stderr=err,
        )

    assert [json.loads(line)["registry_id"] for line in out.getvalue().splitlines()] == ["NCT03090659", "NCT00973089"]
    assert f"{DOWN}: ClinicalTrials.gov is unavailable (HTTP 503)" in err.getvalue()

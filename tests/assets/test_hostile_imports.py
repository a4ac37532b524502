"""Both importers (registry records and dossiers), from the browser and from the command line, fed hostile files:
a refusal names the place, never a 500 or a traceback, and nothing from a refused file is written.

The property tests take a real file (a ClinicalTrials.gov record as JSON and XML, a WHO ICTRP export, the dossier
example) and spoil it one way per example: hostile text in one of its values, nesting far too deep, an integer of
thousands of digits, an XML declaration naming a codec that is not for text. Each reproducer named in the issue is
also a regular test below.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets.models import Hospital, Study
from tests.assets.jobs import run_and_poll
from tests.conftest import client_for
from tests.hostile import SLOWEST, TRIED, hostile_text, row_counts, wire

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "registry"
DOSSIER_EXAMPLE = Path(__file__).resolve().parents[2] / "assets" / "dossier" / "example.json"
REGISTRY_FILES = ["NCT00973089.json", "NCT03204344.xml", "chictr_ictrp.xml"]
EXAMPLES = 12

PROPERTY = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


# --- spoiling a file -------------------------------------------------------------------------------------------


def string_paths(document: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(document, dict):
        return [p for key, value in document.items() for p in string_paths(value, (*path, key))]
    if isinstance(document, list):
        return [p for index, value in enumerate(document) for p in string_paths(value, (*path, index))]
    return [path] if isinstance(document, str) else []


def json_with(document: Any, path: tuple, value: object) -> bytes:
    document = json.loads(json.dumps(document))
    target = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    # ensure_ascii: a lone surrogate goes out as the \ud800 escape a hostile file would hold
    return json.dumps(document).encode()


def json_with_digits(document: Any, path: tuple, digits: int) -> bytes:
    """The document with an integer of ``digits`` nines at ``path`` (written as text: int() refuses past 4,300)."""
    marker = "\u2603number\u2603"
    return json_with(document, path, marker).replace(json.dumps(marker).encode(), b"9" * digits)


def nested(depth: int) -> bytes:
    return b'{"a": ' + b"[" * depth + b"]" * depth + b"}"


@st.composite
def spoiled_json(draw: st.DrawFn, raw: bytes) -> bytes:
    document = json.loads(raw)
    how = draw(st.sampled_from(["text", "text", "text", "deep", "digits"]))
    path = draw(st.sampled_from(string_paths(document)))
    if how == "deep":
        return nested(draw(st.integers(min_value=65, max_value=100_000)))
    if how == "digits":
        return json_with_digits(document, path, draw(st.integers(min_value=31, max_value=100_000)))
    return json_with(document, path, draw(hostile_text))


_TEXT_NODE = re.compile(rb">([^<>]+)<")


@st.composite
def spoiled_xml(draw: st.DrawFn, raw: bytes) -> bytes:
    how = draw(st.sampled_from(["text", "text", "text", "codec"]))
    if how == "codec":
        codec = draw(st.sampled_from(["hex", "base64", "rot13", "zlib", "bogus", "utf-32", "idna"]))
        return re.sub(rb'encoding="[^"]*"', f'encoding="{codec}"'.encode(), raw, count=1)
    nodes = list(_TEXT_NODE.finditer(raw))
    node = nodes[draw(st.integers(min_value=0, max_value=len(nodes) - 1))]
    text = wire(escape(draw(hostile_text)))
    return raw[: node.start(1)] + text + raw[node.end(1) :]


def spoiled(name: str) -> st.SearchStrategy[bytes]:
    raw = (FIXTURES / name).read_bytes() if name != "dossier" else DOSSIER_EXAMPLE.read_bytes()
    return spoiled_json(raw) if name.endswith(".json") or name == "dossier" else spoiled_xml(raw)


# --- one import, checked -----------------------------------------------------------------------------------------


def timed[T](what: str, run: Callable[[], T]) -> T:
    started = time.perf_counter()
    try:
        return run()
    finally:
        SLOWEST[what] = max(SLOWEST.get(what, 0.0), time.perf_counter() - started)


def checked(what: str, run: Callable[[], bool]) -> None:
    """Run one import in a transaction rolled back afterwards; a refusal must have written nothing."""
    TRIED[what] += 1
    with transaction.atomic():
        before = row_counts()
        refused = timed(what, run)
        written = row_counts() != before
        transaction.set_rollback(True)
    if refused:
        assert not written, f"{what}: refused, yet something was written"


def registry_web(client, team_id: int, raw: bytes, name: str = "record") -> bool:
    upload = SimpleUploadedFile(name, raw)
    response = client.post(
        reverse("assets:registry_import"), {"team": team_id, "files": upload}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code < 500, response.status_code
    content = run_and_poll(client, response)
    assert "unexpected error" not in content  # a bug caught by the batch's safety net is still a bug
    failed = "1 file failed" in content
    if failed:
        assert "nothing from it was written" in content  # the refusal is shown, with its place
    return failed


def registry_cli(tmp_path: Path, raw: bytes, name: str = "record.json") -> bool:
    path = tmp_path / name
    path.write_bytes(raw)
    err = io.StringIO()
    try:
        call_command("import_ctgov", str(path), team="phoenix", stdout=_Sink(), stderr=err)
    except CommandError as error:  # the clean CLI error: a message, exit status 1, no traceback
        assert "files failed" in str(error)
        assert "unexpected error" not in err.getvalue()
        return True
    return False


def dossier_web(client, team_id: int, raw: bytes) -> bool:
    upload = SimpleUploadedFile("dossier.json", raw)
    response = client.post(reverse("assets:dossier_upload"), {"team": team_id, "file": upload})
    assert response.status_code == 200, response.status_code
    content = run_and_poll(client, response)
    failed = 'data-file-result="refused"' in content
    if failed:
        assert "nothing from it was written" in content and "problem" in content
    return failed


def dossier_cli(tmp_path: Path, raw: bytes) -> bool:
    path = tmp_path / "dossier.json"
    path.write_bytes(raw)
    try:
        call_command("import_dossier", str(path), team="phoenix", stdout=_Sink(), stderr=_Sink())
    except CommandError as error:
        assert "nothing was written" in str(error)
        return True
    return False


class _Sink:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass


# --- the properties ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", REGISTRY_FILES)
def test_registry_import_refuses_any_spoiled_file_cleanly_from_the_browser_and_the_command_line(world, tmp_path, name):
    client = client_for(world.member)
    client.raise_request_exception = False

    @PROPERTY
    @given(raw=spoiled(name))
    def attempt(raw: bytes) -> None:
        checked("registry import (web)", lambda: registry_web(client, world.phoenix.pk, raw, name))
        checked("registry import (CLI)", lambda: registry_cli(tmp_path, raw, name))

    attempt()


def test_dossier_import_refuses_any_spoiled_dossier_cleanly_from_the_browser_and_the_command_line(world, tmp_path):
    client = client_for(world.member)
    client.raise_request_exception = False

    @PROPERTY
    @given(raw=spoiled("dossier"))
    def attempt(raw: bytes) -> None:
        checked("dossier import (web)", lambda: dossier_web(client, world.phoenix.pk, raw))
        checked("dossier import (CLI)", lambda: dossier_cli(tmp_path, raw))

    attempt()


# --- the reproducers -----------------------------------------------------------------------------------------------

RECORD = json.loads((FIXTURES / "NCT00973089.json").read_text())
TITLE = ("protocolSection", "identificationModule", "briefTitle")
FACILITY = ("protocolSection", "contactsLocationsModule", "locations", 0, "facility")
DOSSIER = json.loads(DOSSIER_EXAMPLE.read_text())

REGISTRY_REPRODUCERS = {
    "NUL in a title": (json_with(RECORD, TITLE, "CAR-T\x00"), "NUL character"),
    "lone surrogate in a hospital name": (json_with(RECORD, FACILITY, "Ruijin \ud800"), "lone surrogate"),
    "JSON nested 100,000 deep": (nested(100_000), "nested more than 64 levels deep"),
    "an integer of 5,000 digits": (json_with_digits(RECORD, TITLE, 5000), "a number of 5,000 digits"),
    "XML declaring encoding hex": (
        b'<?xml version="1.0" encoding="hex"?><clinical_study/>',
        "'hex', which is not a text encoding",
    ),
    "XML declaring encoding idna (found by the property test)": (
        (FIXTURES / "NCT03204344.xml").read_bytes().replace(b'encoding="UTF-8"', b'encoding="idna"', 1),
        "cannot be read as 'idna', the encoding it declares",
    ),
    "a hospital name growing past its column under NFKC": (
        json_with(RECORD, FACILITY, "\ufdfa" * 20),
        "Once normalised for matching this is 360 characters long; at most 300.",
    ),
}


@pytest.mark.parametrize("case", REGISTRY_REPRODUCERS)
def test_registry_reproducer_is_refused_with_its_place_in_the_browser(world, client_as, case):
    raw, message = REGISTRY_REPRODUCERS[case]
    before = (Study.objects.count(), Hospital.objects.count())
    upload = SimpleUploadedFile("record.json", raw)
    client = client_as("member")
    response = client.post(reverse("assets:registry_import"), {"team": world.phoenix.pk, "files": upload})
    assert response.status_code == 200
    html = run_and_poll(client, response)
    assert "1 file failed" in html
    assert message in html.replace("&#x27;", "'")
    assert (Study.objects.count(), Hospital.objects.count()) == before


@pytest.mark.parametrize("case", REGISTRY_REPRODUCERS)
def test_registry_reproducer_is_a_clean_command_error(world, tmp_path, case, capsys):
    raw, message = REGISTRY_REPRODUCERS[case]
    path = tmp_path / "record.json"
    path.write_bytes(raw)
    with pytest.raises(CommandError, match="1 of 1 files failed; nothing was written from them"):
        call_command("import_ctgov", str(path), team="phoenix")
    assert message in capsys.readouterr().err
    assert not Study.objects.exists()


def test_the_good_file_of_a_batch_goes_in_beside_a_hostile_one(world, tmp_path, capsys):
    bad, good = tmp_path / "bad.json", tmp_path / "good.json"
    bad.write_bytes(json_with(RECORD, TITLE, "x\x00"))
    good.write_bytes((FIXTURES / "NCT00973089.json").read_bytes())
    with pytest.raises(CommandError, match="1 of 2 files failed"):
        call_command("import_ctgov", str(bad), str(good), team="phoenix")
    assert list(Study.objects.values_list("nct_id", flat=True)) == ["NCT00973089"]


DOSSIER_REPRODUCERS = {
    "NUL in the asset's name": (json_with(DOSSIER, ("asset", "name"), "a\x00b"), "$.asset.name", "NUL character"),
    "lone surrogate in the asset's name": (
        json_with(DOSSIER, ("asset", "name"), "a\udfffb"),
        "$.asset.name",
        "lone surrogate",
    ),
    "JSON nested 100,000 deep": (nested(100_000), "$", "nested more than 64 levels deep"),
    "an integer of 5,000 digits": (json_with_digits(DOSSIER, ("version",), 5000), "$", "5,000 digits"),
    "a code with a line break and a quote": (
        json_with(DOSSIER, ("asset", "code"), 'X-1\r\nSet-Cookie: a="b'),
        "$.asset.code",
        "letters, digits",
    ),
}


@pytest.mark.parametrize("case", DOSSIER_REPRODUCERS)
def test_dossier_reproducer_is_refused_with_its_place(world, client_as, tmp_path, case, capsys):
    raw, place, message = DOSSIER_REPRODUCERS[case]
    upload = SimpleUploadedFile("dossier.json", raw)
    client = client_as("member")
    response = client.post(reverse("assets:dossier_upload"), {"team": world.phoenix.pk, "file": upload})
    html = run_and_poll(client, response)
    assert 'data-file-result="refused"' in html
    assert place in html and message in html
    path = tmp_path / "dossier.json"
    path.write_bytes(raw)
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_dossier", str(path), team="phoenix")
    assert f"{place}: " in capsys.readouterr().err
    assert not Study.objects.exists()


def test_a_dossier_list_longer_than_the_schema_allows_is_refused_before_anything_is_written(world):
    from assets.dossier import DossierError, dossier_import

    document = json.loads(DOSSIER_EXAMPLE.read_text())
    milestone = document["deal_terms"]["milestones"][0]
    document["deal_terms"]["milestones"] = [milestone] * 1_001
    before = row_counts()
    with pytest.raises(DossierError) as refused:
        dossier_import(team=world.phoenix, document=document, user=None)
    assert [problem.path for problem in refused.value.problems] == ["$.deal_terms.milestones"]
    assert refused.value.problems[0].message == "lists 1,001 milestones; a dossier may list at most 1,000"
    assert row_counts() == before

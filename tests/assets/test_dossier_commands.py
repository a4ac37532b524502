"""``export_dossier`` and ``import_dossier``: what they print, where, and the exit status a script sees."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from assets.dossier import dossier_import, dossier_loads
from assets.models import Asset, Hospital, Study
from tests.workers import BASE_DIR, manage

pytestmark = pytest.mark.django_db

EXAMPLE = BASE_DIR / "assets" / "dossier" / "example.json"


def run(command: str, *args: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def bad_example(tmp_path: Path) -> Path:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document["studies"][0]["nct_id"] = "NCT123"
    document["deal_terms"]["upfront"] = "-5.00"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def imported(world) -> Asset:
    return dossier_import(team=world.phoenix, document=dossier_loads(EXAMPLE.read_bytes()), user=world.member).asset


def test_export_writes_the_dossier_to_stdout(imported):
    stdout, stderr = run("export_dossier", "LCAR-B38M", "--team", "phoenix")

    assert stdout == EXAMPLE.read_text(encoding="utf-8")  # indent 2, sorted keys, 西安 not \u897f, one final newline
    assert stderr == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("LCAR-B38M", "--team", "nobody"), "No deal team with the slug 'nobody'."),
        (("NOPE-1", "--team", "phoenix"), "Team 'phoenix' has no asset with the code 'NOPE-1'."),
        (("LCAR-B38M", "--team", "atlas"), "Team 'atlas' has no asset with the code 'LCAR-B38M'."),
    ],
)
def test_export_refuses_an_unknown_team_or_asset(imported, args, message):
    with pytest.raises(CommandError, match=message):
        run("export_dossier", *args)


def test_import_from_a_file_prints_a_one_line_summary(world):
    stdout, stderr = run("import_dossier", str(EXAMPLE), "--team", "atlas", "--user", "outsider")

    assert stdout.startswith("Created asset LCAR-B38M in team atlas: studies: 1, efficacy claims: 2,")
    assert stdout.count("\n") == 1 and stderr == ""
    study = Study.objects.get(team=world.atlas)
    assert study.history.get().history_user == world.outsider


def test_import_from_stdin_updates_the_existing_asset(imported, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(EXAMPLE.read_bytes()), encoding="utf-8"))

    stdout, _stderr = run("import_dossier", "-", "--team", "phoenix")

    assert stdout.startswith("Updated asset LCAR-B38M in team phoenix:")
    assert Asset.objects.get().pk == imported.pk


def test_a_refused_import_lists_each_problem_on_stderr_and_writes_nothing(imported, tmp_path):
    studies = list(Study.objects.values_list("pk", flat=True))

    with pytest.raises(CommandError, match=r"Dossier refused \(2 problems\); nothing was written"):
        call_command(
            "import_dossier", str(bad_example(tmp_path)), "--team", "phoenix", stderr=(stderr := io.StringIO())
        )

    assert stderr.getvalue().splitlines() == [
        '$.deal_terms.upfront: "-5.00" is not an amount of money: a non-negative decimal string with exactly '
        '2 decimals, e.g. "350000000.00" (never a JSON number)',
        '$.studies[0].nct_id: "NCT123" is not a ClinicalTrials.gov id (NCT followed by 8 digits, e.g. '
        '"NCT03090659"), or empty',
    ]
    assert list(Study.objects.values_list("pk", flat=True)) == studies


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"format": "iit-diligence-dossier",\n "version": 1', "$: not valid JSON: Expecting ',' delimiter at line 2"),
        ("{}".encode("utf-16"), "$: not UTF-8 text: byte 0xff at line 1, column 1"),
    ],
)
def test_an_unreadable_file_is_refused_with_a_located_message(world, tmp_path, content, problem):
    path = tmp_path / "dossier.json"
    path.write_bytes(content)
    stderr = io.StringIO()

    with pytest.raises(CommandError, match=r"Dossier refused \(1 problem\)"):
        call_command("import_dossier", str(path), "--team", "atlas", stderr=stderr)

    assert stderr.getvalue().startswith(problem)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--team", "nobody"), "No deal team with the slug 'nobody'."),
        (("--team", "atlas", "--user", "ghost"), "No user with the username 'ghost'."),
    ],
)
def test_import_refuses_an_unknown_team_or_user(world, args, message):
    with pytest.raises(CommandError, match=message):
        run("import_dossier", str(EXAMPLE), *args)


def test_import_refuses_a_missing_file(world, tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*missing.json: No such file or directory"):
        run("import_dossier", str(tmp_path / "missing.json"), "--team", "atlas")


@pytest.mark.django_db(transaction=True)
def test_the_real_command_exits_non_zero_on_a_refused_dossier_and_zero_on_a_good_one(world, tmp_path):
    hospitals = Hospital.objects.count()

    refused = manage("import_dossier", str(bad_example(tmp_path)), "--team", "atlas")

    assert refused.returncode != 0
    assert "$.deal_terms.upfront: " in refused.stderr and "$.studies[0].nct_id: " in refused.stderr
    assert refused.stdout == ""
    assert not Asset.objects.exists() and Hospital.objects.count() == hospitals

    accepted = manage("import_dossier", str(EXAMPLE), "--team", "atlas")

    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout.startswith("Created asset LCAR-B38M in team atlas:")
    assert Asset.objects.get().team == world.atlas
    exported = manage("export_dossier", "LCAR-B38M", "--team", "atlas")
    assert (exported.returncode, exported.stdout) == (0, EXAMPLE.read_text(encoding="utf-8"))

"""``manage.py import_ctgov``: one JSON line per study, located errors on stderr, non-zero exit when a file failed."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from assets.models import Study, StudySite
from tests.factories import AssetFactory
from tests.fixtures import REGISTRY as FIXTURES
from tests.workers import manage

pytestmark = pytest.mark.django_db

JSON_KEYS = {
    "registry_id",
    "title",
    "sponsor",
    "sponsor_class",
    "is_iit",
    "sites",
    "china_sites",
    "countries",
    "created",
}


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_ctgov", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_json_gives_one_object_per_study_from_every_format(world):
    paths = [FIXTURES / "ctgov_search.json", FIXTURES / "chictr_ictrp.xml", FIXTURES / "NCT03204344.xml"]
    out, err = run(*map(str, paths), "--team", "phoenix", "--json")

    studies = lines(out)
    assert err == "" and [s["registry_id"] for s in studies] == [
        "NCT03090659",
        "NCT09990001",
        "NCT09990002",
        "ChiCTR2400099901",
        "ChiCTR2300099902",
        "NCT03204344",
    ]
    assert all(set(study) >= JSON_KEYS for study in studies)
    legend2 = studies[0]
    assert {key: legend2[key] for key in JSON_KEYS} == {
        "registry_id": "NCT03090659",
        "title": "LCAR-B38M Cells in Treating Relapsed/Refractory (R/R) Multiple Myeloma",
        "sponsor": "The Second Affiliated Hospital of Xi'an Jiaotong University",
        "sponsor_class": "OTHER",
        "is_iit": True,
        "sites": 4,
        "china_sites": 4,
        "countries": ["China"],
        "created": True,
    }
    assert (studies[1]["is_iit"], studies[1]["sponsor_class"], studies[1]["china_sites"]) == (False, "INDUSTRY", 1)
    assert studies[3]["sponsor_class"] == "" and studies[3]["is_iit"] is True

    again, _ = run(*map(str, paths), "--team", "phoenix", "--json")
    assert [study["created"] for study in lines(again)] == [False] * 6
    assert Study.objects.count() == 6


def test_a_failed_file_is_named_on_stderr_the_others_import_and_the_command_fails(world):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 files failed; nothing was written from them."):
        call_command(
            "import_ctgov",
            str(FIXTURES / "bad_location.json"),
            str(FIXTURES / "ctgov_sparse.json"),
            "--team",
            "phoenix",
            "--json",
            stdout=out,
            stderr=err,
        )

    assert [study["registry_id"] for study in lines(out.getvalue())] == ["NCT09990003"]
    assert (
        "bad_location.json: $.protocolSection.contactsLocationsModule.locations[2].facility (line 129, column 23)"
        in (err.getvalue())
    )
    assert not Study.objects.filter(nct_id="NCT09990005").exists()


def test_the_asset_option_attaches_the_studies_and_plain_output_is_readable(world):
    asset = AssetFactory(team=world.phoenix, code="LCAR-B38M")
    path = FIXTURES / "api" / "NCT03090659.json"
    out, _ = run(str(path), "--team", "phoenix", "--asset", "LCAR-B38M")

    assert out.splitlines() == [
        f"{path}: NCT03090659 created: Investigator-initiated, company-funded, 4 sites (4 in China); asset LCAR-B38M",
        "1 created, 0 updated, 0 unchanged; 0 files failed.",
    ]
    assert Study.objects.get().asset == asset


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--team", "nobody"), "No deal team with the slug 'nobody'."),
        (("--team", "phoenix", "--asset", "NOPE"), "Team 'phoenix' has no asset with the code 'NOPE'."),
        (("--team", "phoenix", "--user", "ghost"), "No user with the username 'ghost'."),
    ],
)
def test_unknown_team_asset_or_user_is_refused(world, args, message):
    with pytest.raises(CommandError, match=message):
        run(str(FIXTURES / "ctgov_sparse.json"), *args)


def test_a_missing_file_or_no_input_is_refused(world, tmp_path):
    with pytest.raises(CommandError, match="at least one file"):
        run("--team", "phoenix")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 files failed"):
        call_command("import_ctgov", str(tmp_path / "gone.json"), "--team", "phoenix", stdout=io.StringIO(), stderr=err)
    assert "gone.json: no such file" in err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_real_command_exit_status(world):
    failed = manage(
        "import_ctgov",
        str(FIXTURES / "truncated.json"),
        str(FIXTURES / "ctgov_sparse.json"),
        "--team",
        "phoenix",
        "--json",
        "--user",
        "member",
    )

    assert failed.returncode != 0
    assert "truncated.json: line 44, column 35: not valid JSON" in failed.stderr
    assert [json.loads(line)["registry_id"] for line in failed.stdout.splitlines()] == ["NCT09990003"]

    ok = manage("import_ctgov", str(FIXTURES / "ctgov_sparse.json"), "--team", "phoenix", "--json")

    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["created"] is False
    assert StudySite.objects.filter(study__nct_id="NCT09990003").count() == 2
    assert Study.objects.get().history.earliest().history_user == world.member

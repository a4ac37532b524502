"""``manage.py load_hospital_directory``: the shipped file loads, a second run adds nothing, a curator's values
stay, and a file with any problem writes nothing."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from assets.directory.loading import DEFAULT_FILE
from assets.models import Hospital, HospitalAlias
from assets.services import fact_save

pytestmark = pytest.mark.django_db


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_hospital_directory", *args, stdout=out)
    return out.getvalue()


def test_the_shipped_directory_loads_once(db):
    shipped = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))["hospitals"]
    aliases = sum(len(entry["aliases"]) for entry in shipped)
    assert load() == f"{len(shipped)} hospitals created, 0 filled in, {aliases} aliases added.\n"
    assert Hospital.objects.count() == len(shipped) and HospitalAlias.objects.count() == aliases
    changzheng = Hospital.objects.get(name_en="Changzheng Hospital")
    assert (changzheng.name_zh, changzheng.city, changzheng.province) == ("上海长征医院", "Shanghai", "Shanghai")
    assert changzheng.grade == "unknown" and changzheng.nmpa_record == "unknown" and changzheng.reviewed
    assert changzheng.history.count() == 1
    assert load() == "0 hospitals created, 0 filled in, 0 aliases added.\n"


def test_a_curators_values_stay_and_blanks_are_filled(db):
    xian = Hospital(name_en="The Second Affiliated Hospital of Xi'an Jiaotong University", city="Xi'an")
    xian.grade, xian.grade_verified, xian.grade_verified_on = "grade_a_tertiary", True, dt.date(2026, 1, 15)
    fact_save(instance=xian, user=None)
    load()
    xian.refresh_from_db()
    assert (xian.grade, xian.grade_verified) == ("grade_a_tertiary", True)  # kept
    assert (xian.name_zh, xian.province) == ("西安交通大学第二附属医院", "Shaanxi")  # filled in
    assert Hospital.objects.filter(name_key=xian.name_key).count() == 1  # the same hospital, not a second one
    assert xian.aliases.filter(text="西安交大二附院").exists()


def test_a_file_with_a_problem_writes_nothing(db, tmp_path):
    broken = tmp_path / "directory.json"
    broken.write_text(
        json.dumps(
            {
                "hospitals": [
                    {"name_en": "Good Hospital", "city": "Xining", "aliases": [{"text": "GH", "kind": "abbreviation"}]},
                    {"name_en": "Bad Grade Hospital", "city": "Xining", "grade": "excellent"},
                    {"name_en": "", "aliases": [{"text": "X", "kind": "nickname"}]},
                ]
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as refused:
        load(str(broken))
    message = str(refused.value)
    assert message.startswith("Nothing was loaded")
    assert "hospitals[1].grade" in message and "hospitals[2].name_en" in message
    assert "hospitals[2].aliases[0].kind" in message
    assert Hospital.objects.count() == 0 and HospitalAlias.objects.count() == 0


def test_a_file_that_is_not_json_is_refused(tmp_path):
    text = tmp_path / "directory.json"
    text.write_text("not json", encoding="utf-8")
    with pytest.raises(CommandError, match="cannot be read as a JSON file"):
        load(str(text))

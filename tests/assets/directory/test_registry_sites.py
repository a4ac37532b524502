"""The registry fixtures' site strings against the shipped directory: each resolves to its canonical hospital or
waits in the review queue, none wrongly; and the figure the README quotes is measured here."""

from __future__ import annotations

import pytest

from assets.directory.loading import DEFAULT_FILE, directory_file_load, directory_file_read
from assets.models import Hospital, SiteMatchReview, StudySite
from assets.registry import RegistryFile, registry_import
from tests.fixtures import REGISTRY as FIXTURES

pytestmark = pytest.mark.django_db

FILES = ("NCT03204344.xml", "NCT00973089.json", "chictr_ictrp.xml", "ctgov_search.json", "ctgov_sparse.json")

# Each distinct site string of the registry fixtures (the API record repeats ctgov_search.json's LEGEND-2) and the
# directory entry (English name) it is that hospital's.
EXPECTED = {
    "Peking University First Hospital": "Peking University First Hospital",
    "Hadassah Medical Organization": "Hadassah Medical Organization",
    "四川大学华西医院 West China Hospital, Sichuan University": "West China Hospital, Sichuan University",
    "The Second Affiliated Hospital of Xi'an Jiaotong University (西安交通大学第二附属医院)": (
        "Second Affiliated Hospital of Xi'an Jiaotong University"
    ),
    "上海长征医院": "Changzheng Hospital",
    "Ruijin Hospital, Shanghai Jiao Tong University School of Medicine": (
        "Ruijin Hospital, Shanghai Jiao Tong University School of Medicine"
    ),
    "Jiangsu Province Hospital": "Jiangsu Province Hospital",
    "Mayo Clinic": "Mayo Clinic",
    "Memorial Sloan Kettering Cancer Center": "Memorial Sloan Kettering Cancer Center",
    "Peking University People's Hospital": "Peking University People's Hospital",
    "Japanese Red Cross Medical Center": "Japanese Red Cross Medical Center",
    "Dana-Farber Cancer Institute": "Dana-Farber Cancer Institute",
    "Sun Yat-sen University Cancer Center": "Sun Yat-sen University Cancer Center",
    "The First Affiliated Hospital, Sun Yat-sen University": "First Affiliated Hospital of Sun Yat-sen University",
}

# (registry record, the directory hospital its site stands on): every site of every fixture record.
PLACED = {
    ("NCT03204344", "Peking University First Hospital"),
    ("NCT00973089", "Hadassah Medical Organization"),
    ("ChiCTR2400099901", "West China Hospital, Sichuan University"),
    ("NCT03090659", "Second Affiliated Hospital of Xi'an Jiaotong University"),
    ("NCT03090659", "Changzheng Hospital"),
    ("NCT03090659", "Ruijin Hospital, Shanghai Jiao Tong University School of Medicine"),
    ("NCT03090659", "Jiangsu Province Hospital"),
    ("NCT09990001", "Mayo Clinic"),
    ("NCT09990001", "Memorial Sloan Kettering Cancer Center"),
    ("NCT09990001", "Peking University People's Hospital"),
    ("NCT09990001", "Japanese Red Cross Medical Center"),
    ("NCT09990002", "Dana-Farber Cancer Institute"),
    ("NCT09990003", "Sun Yat-sen University Cancer Center"),
    ("NCT09990003", "First Affiliated Hospital of Sun Yat-sen University"),
}


def registry_file(name: str) -> RegistryFile:
    data = (FIXTURES / name).read_bytes()
    return RegistryFile(name=name, size=len(data), read=lambda: data)


@pytest.fixture
def directory(db):
    return directory_file_load(data=directory_file_read(DEFAULT_FILE), user=None)


def test_every_fixture_site_string_resolves_to_its_canonical_hospital(world, directory, capsys):
    hospitals_before = Hospital.objects.count()
    report = registry_import(team=world.phoenix, files=[registry_file(name) for name in FILES], user=world.member)
    assert report.ok

    sites = StudySite.objects.filter(study__team=world.phoenix).select_related("hospital", "study")
    placed = {(site.study.registry_id, site.hospital.name_en) for site in sites}
    assert len(sites) == len(EXPECTED) == 14
    assert placed == PLACED
    assert Hospital.objects.count() == hospitals_before  # every one resolved: nothing created, nothing queued
    assert SiteMatchReview.objects.count() == 0
    with capsys.disabled():
        print(f"\nfixture site strings: {len(EXPECTED)} distinct → {len(EXPECTED)} resolved automatically, 0 to review")


def test_the_api_record_lands_on_the_same_hospitals_as_the_search_response(world, directory):
    registry_import(team=world.phoenix, files=[registry_file("ctgov_search.json")], user=world.member)
    registry_import(team=world.atlas, files=[registry_file("api/NCT03090659.json")], user=world.outsider)
    by_team = {
        team: set(StudySite.objects.filter(study__team=team).values_list("hospital_id", flat=True))
        for team in (world.phoenix, world.atlas)
    }
    assert by_team[world.atlas] and by_team[world.atlas] <= by_team[world.phoenix]

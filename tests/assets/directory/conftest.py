"""The shipped directory loaded, and a registry import whose site strings the matcher cannot all place."""

from __future__ import annotations

import json

import pytest

from assets.directory.loading import DEFAULT_FILE, directory_file_load, directory_file_read
from assets.registry import RegistryFile, registry_import
from tests.fixtures import REGISTRY as FIXTURES

AMBIGUOUS = "Peking University Hospital"  # First, People's and Third are all "Peking University ... Hospital"
NEAR = "Ruijin Hospital Shanghai Jiaotong University"  # near Ruijin's name without being any of its names


@pytest.fixture
def directory(db):
    return directory_file_load(data=directory_file_read(DEFAULT_FILE), user=None)


def registry_file(name: str, data: bytes | None = None) -> RegistryFile:
    raw = (FIXTURES / name).read_bytes() if data is None else data
    return RegistryFile(name=name, size=len(raw), read=lambda: raw)


def uncertain_search_file() -> RegistryFile:
    """ctgov_search.json with the industry trial's Beijing site and LEGEND-2's Ruijin site renamed."""
    document = json.loads((FIXTURES / "ctgov_search.json").read_text(encoding="utf-8"))
    for study in document["studies"]:
        for location in study["protocolSection"].get("contactsLocationsModule", {}).get("locations", []):
            if location.get("facility") == "Peking University People's Hospital":
                location["facility"] = AMBIGUOUS
            elif location.get("facility", "").startswith("Ruijin Hospital"):
                location["facility"] = NEAR
    return registry_file("uncertain.json", json.dumps(document, ensure_ascii=False).encode())


@pytest.fixture
def queued(world, directory):
    """The uncertain file imported by a phoenix member: two site strings wait in the queue."""
    report = registry_import(team=world.phoenix, files=[uncertain_search_file()], user=world.member)
    assert report.ok
    return report

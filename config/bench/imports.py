"""A registry import at the size of the largest real records (1,148 sites), against its floor: the same JSON
parsed and the same rows bulk-inserted. Both commit, as they would for a user; what they wrote is deleted again
after each run (outside the timing), so every run is a first import."""

from __future__ import annotations

import json
import statistics
import time

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from assets.models import Company, Hospital, RegistryRecordVersion, Study, StudyRegistrationLink, StudySite
from assets.models.hospitals import normalise_name
from assets.registry.services import RegistryFile, registry_import_file
from config.bench.dataset import CITIES, TeamSubjects

NCT_ID = "NCT09999999"
HOSPITAL_PREFIX = "Benchmark Provincial Hospital No."
SPONSOR = "Benchmark Pharma Co., Ltd."


def registry_record(sites: int) -> bytes:
    """A ClinicalTrials.gov API v2 study with ``sites`` locations, all at different Chinese hospitals."""
    locations = [
        {
            "facility": f"{HOSPITAL_PREFIX} {n}",
            "city": CITIES[n % len(CITIES)],
            "state": CITIES[n % len(CITIES)],
            "country": "China",
            "status": "RECRUITING",
        }
        for n in range(sites)
    ]
    record = {
        "protocolSection": {
            "identificationModule": {
                "nctId": NCT_ID,
                "briefTitle": "A very large multicentre study",
                "officialTitle": "A multicentre, open-label study across many hospitals",
            },
            "statusModule": {"overallStatus": "RECRUITING", "startDateStruct": {"date": "2021-03-01"}},
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": SPONSOR, "class": "INDUSTRY"}},
            "designModule": {"phases": ["PHASE3"], "enrollmentInfo": {"count": 4000, "type": "ESTIMATED"}},
            "contactsLocationsModule": {"locations": locations},
        }
    }
    return json.dumps(record).encode()


def _forget(subjects: TeamSubjects) -> None:
    """Delete what a run wrote, history included, in a few statements (the ORM would write a history row per
    deleted site)."""
    tables = {model: model._meta.db_table for model in (Study, StudySite, Hospital, Company)}
    history = {model: model.history.model._meta.db_table for model in tables}
    team = subjects.team.pk
    with transaction.atomic(), connection.cursor() as cursor:
        study_ids = f"SELECT id FROM {tables[Study]} WHERE team_id = %s AND nct_id = %s"  # noqa: S608 - our table names
        versions = RegistryRecordVersion._meta.db_table  # each import records the record's version
        for table in (tables[StudySite], history[StudySite], versions):
            cursor.execute(f"DELETE FROM {table} WHERE study_id IN ({study_ids})", [team, NCT_ID])  # noqa: S608
        links = StudyRegistrationLink._meta.db_table  # a scored candidate pair, should the record resemble another
        for column in ("first_id", "second_id"):
            cursor.execute(f"DELETE FROM {links} WHERE {column} IN ({study_ids})", [team, NCT_ID])  # noqa: S608
        for table in (history[Study], tables[Study]):
            cursor.execute(f"DELETE FROM {table} WHERE team_id = %s AND nct_id = %s", [team, NCT_ID])  # noqa: S608
        for table in (history[Hospital], tables[Hospital]):
            cursor.execute(f"DELETE FROM {table} WHERE name_en LIKE %s", [f"{HOSPITAL_PREFIX}%"])  # noqa: S608
        for table in (history[Company], tables[Company]):
            cursor.execute(f"DELETE FROM {table} WHERE team_id = %s AND name = %s", [team, SPONSOR])  # noqa: S608


def _import_once(subjects: TeamSubjects, raw: bytes) -> tuple[float, int, int]:
    """Seconds, queries and sites written by one import, as the command and the upload page run it."""
    file = RegistryFile(name="bench.json", size=len(raw), read=lambda: raw)
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        outcome = registry_import_file(team=subjects.team, file=file, user=subjects.user, asset=None)
        seconds = time.perf_counter() - started
    if outcome.problem is not None:
        raise RuntimeError(f"the benchmark record was refused: {outcome.problem}")
    written = StudySite.objects.filter(study__team=subjects.team, study__nct_id=NCT_ID).count()
    _forget(subjects)
    return seconds, len(captured), written


def _floor_once(subjects: TeamSubjects, raw: bytes) -> float:
    """json.loads and three bulk inserts of the same rows, committed: what no importer can beat."""
    started = time.perf_counter()
    with transaction.atomic():
        record = json.loads(raw)["protocolSection"]
        locations = record["contactsLocationsModule"]["locations"]
        hospitals = Hospital.objects.bulk_create(
            Hospital(
                name_en=loc["facility"],
                city=loc["city"],
                province=loc["state"],
                name_key=normalise_name(loc["facility"]),
                city_key=normalise_name(loc["city"]),
            )
            for loc in locations
        )
        study = Study.objects.create(
            team=subjects.team, nct_id=NCT_ID, title=record["identificationModule"]["briefTitle"]
        )
        StudySite.objects.bulk_create(StudySite(study=study, hospital=h) for h in hospitals)
    seconds = time.perf_counter() - started
    _forget(subjects)
    return seconds


def measure(subjects: TeamSubjects, *, sites: int, runs: int) -> dict[str, object]:
    raw = registry_record(sites)
    _import_once(subjects, raw)  # warm-up
    _floor_once(subjects, raw)
    imports = [_import_once(subjects, raw) for _ in range(runs)]
    floors = [_floor_once(subjects, raw) for _ in range(runs)]
    seconds = statistics.median(s for s, _q, _w in imports)
    floor = statistics.median(floors)
    return {
        "sites": imports[0][2],
        "s": round(seconds, 3),
        "queries": max(q for _s, q, _w in imports),
        "floor_s": round(floor, 3),
        "ratio": round(seconds / floor, 2),
        "runs": runs,
    }

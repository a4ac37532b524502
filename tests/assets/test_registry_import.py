"""Registry records into a team's studies: mapping stored, idempotent re-imports, all or nothing per file, the
shared hospital directory never duplicated, bulk writes with history, and the findings recomputed."""

from __future__ import annotations

import copy
import json
import threading
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from assets.dossier import dossier_dumps, dossier_export, dossier_import
from assets.dossier.schema import schema_problems
from assets.models import Company, Hospital, Study, StudySite
from assets.models.hospitals import normalise_name
from assets.registry import RegistryFile, registry_import
from assets.registry.services import ImportReport
from assets.services import fact_save, hospital_get_or_create
from diligence.models import Finding
from tests.factories import AssetFactory
from tests.fixtures import REGISTRY as FIXTURES

pytestmark = pytest.mark.django_db

XIAN = "The Second Affiliated Hospital of Xi'an Jiaotong University"


def registry_file(name: str, raw: bytes | None = None, folder: Path = FIXTURES) -> RegistryFile:
    data = (folder / name).read_bytes() if raw is None else raw
    return RegistryFile(name=name, size=len(data), read=lambda: data)


def search_document() -> dict:
    return json.loads((FIXTURES / "ctgov_search.json").read_text(encoding="utf-8"))


def as_file(name: str, document: dict) -> RegistryFile:
    return registry_file(name, json.dumps(document, ensure_ascii=False, indent=2).encode())


def run(world, *files: RegistryFile, team=None, asset=None, user=None):
    return registry_import(team=team or world.phoenix, files=files, user=user or world.member, asset=asset)


def row_counts() -> dict[str, int]:
    """What "nothing was written" means for an import: facts, directory entries and their history."""
    models = [Study, StudySite, Hospital, Company]
    counts = {model.__name__: model._default_manager.count() for model in models}
    counts |= {f"history {model.__name__}": model.history.model.objects.count() for model in models}
    return counts


def statuses(report) -> dict[str, str]:
    return {study.study.registry_id: study.status for outcome in report.files for study in outcome.studies}


def test_a_search_response_becomes_studies_with_sites_on_the_directory(world):
    report = run(world, registry_file("ctgov_search.json"))

    assert report.ok and statuses(report) == dict.fromkeys(["NCT03090659", "NCT09990001", "NCT09990002"], "created")
    legend2 = Study.objects.get(team=world.phoenix, nct_id="NCT03090659")
    assert (legend2.acronym, legend2.phase, legend2.status) == ("LEGEND-2", "phase_1_2", "active_not_recruiting")
    assert (legend2.start_display, legend2.start_date_type) == ("2016-03", "actual")
    assert (legend2.primary_completion_display, legend2.completion_display) == ("2019-01", "2025-12")
    assert (legend2.planned_enrollment, legend2.actual_enrollment) == (100, None)
    assert legend2.sponsor_type == "iit_company_funded" and legend2.is_investigator_initiated
    assert legend2.sponsor_type_reason.endswith("and collaborator Nanjing Legend Biotech Co. is class INDUSTRY.")
    funder = legend2.funding_company
    assert funder is not None and funder.name == "Nanjing Legend Biotech Co." and funder.team == world.phoenix
    assert (legend2.source, legend2.raw_format, legend2.raw_source) == ("imported", "ctgov_json", "ctgov_search.json")
    assert legend2.retrieved_at is not None and "ctgov_search.json" in legend2.provenance
    assert json.loads(legend2.raw_record)["protocolSection"]["identificationModule"]["acronym"] == "LEGEND-2"

    sites = {s.hospital.name_en: s for s in legend2.sites.select_related("hospital")}
    assert set(sites) == {
        XIAN,
        "上海长征医院",
        "Ruijin Hospital, Shanghai Jiao Tong University School of Medicine",
        "Jiangsu Province Hospital",
    }
    lead = sites[XIAN]
    assert (lead.role, lead.principal_investigator) == ("lead", "Wang-Gang Zhang")
    assert (lead.hospital.name_zh, lead.hospital.city, lead.hospital.province) == (
        "西安交通大学第二附属医院",
        "Xi'an",
        "Shaanxi",
    )
    assert (lead.hospital.grade, lead.hospital.grade_verified, lead.hospital.country) == ("unknown", False, "China")
    assert sites["上海长征医院"].hospital.name_zh == "上海长征医院" and sites["上海长征医院"].role == "participating"
    assert sites["Jiangsu Province Hospital"].principal_investigator == "Ai-Li He"

    mrct = Study.objects.get(nct_id="NCT09990001")
    assert mrct.funding_company is not None
    assert (mrct.sponsor_type, mrct.funding_company.name) == ("industry", "Janssen Research & Development, LLC")
    assert mrct.countries == ["United States", "China", "Japan"] and mrct.actual_enrollment == 419
    coop = Study.objects.get(nct_id="NCT09990002")
    assert (coop.sponsor_type, coop.funding_company, coop.completion_display) == ("cooperative", None, "2029")


def test_bulk_written_sites_and_hospitals_have_history_by_the_importing_user(world):
    run(world, registry_file("ctgov_search.json"), user=world.lead)

    study = Study.objects.get(nct_id="NCT03090659")
    assert study.history.get().history_user == world.lead
    site_history = StudySite.history.filter(study_id=study.pk)
    assert site_history.count() == 4 and {h.history_user for h in site_history} == {world.lead}
    assert {h.history_user for h in Hospital.history.all()} == {world.lead}


def test_the_import_reports_per_study_what_the_json_output_needs(world):
    report = run(world, registry_file("ctgov_search.json"))

    line = report.files[0].studies[0].as_json()
    assert {
        key: line[key]
        for key in ("registry_id", "sponsor", "sponsor_class", "is_iit", "sites", "china_sites", "countries", "created")
    } == {
        "registry_id": "NCT03090659",
        "sponsor": XIAN,
        "sponsor_class": "OTHER",
        "is_iit": True,
        "sites": 4,
        "china_sites": 4,
        "countries": ["China"],
        "created": True,
    }
    mrct = report.files[0].studies[1].as_json()
    assert (mrct["is_iit"], mrct["sites"], mrct["china_sites"]) == (False, 4, 1)


def test_reimporting_the_same_record_creates_nothing_and_says_unchanged(world):
    run(world, registry_file("ctgov_search.json"))
    before = row_counts()
    versions = dict(Study.objects.values_list("nct_id", "version"))

    report = run(world, registry_file("ctgov_search.json"))

    assert report.ok and set(statuses(report).values()) == {"unchanged"}
    assert [line.as_json()["created"] for line in report.files[0].studies] == [False, False, False]
    assert row_counts() == before
    assert dict(Study.objects.values_list("nct_id", "version")) == versions


def test_a_changed_record_updates_its_study_in_place_and_names_the_changed_fields(world):
    run(world, registry_file("ctgov_search.json"))
    study = Study.objects.get(nct_id="NCT03090659")
    document = search_document()
    protocol = document["studies"][0]["protocolSection"]
    protocol["statusModule"]["overallStatus"] = "COMPLETED"
    protocol["statusModule"]["completionDateStruct"] = {"date": "2024-06-30", "type": "ACTUAL"}
    protocol["designModule"]["enrollmentInfo"] = {"count": 74, "type": "ACTUAL"}
    protocol["contactsLocationsModule"]["locations"].append(
        {"facility": "Tongji Hospital", "city": "Wuhan", "state": "Hubei", "country": "China"}
    )
    before = row_counts()

    report = run(world, as_file("ctgov_search_v2.json", document))

    outcome = report.files[0].studies[0]
    assert (outcome.status, outcome.created, outcome.study.pk) == ("updated", False, study.pk)
    assert outcome.changed == [
        "status",
        "completion date",
        "completion date precision",
        "completion date type",
        "actual enrollment",
        "raw record",
    ]
    assert outcome.sites.added == 1 and outcome.sites.total == 5
    study.refresh_from_db()
    assert (study.status, study.completion_display, study.actual_enrollment, study.planned_enrollment) == (
        "completed",
        "2024-06-30",
        74,
        100,
    )
    assert study.version == 2 and study.history.count() == 2
    after = row_counts()
    assert (after["Study"], after["StudySite"], after["Hospital"]) == (
        before["Study"],
        before["StudySite"] + 1,
        before["Hospital"] + 1,
    )
    assert statuses(report)["NCT09990001"] == "unchanged"


def test_a_site_the_registry_drops_is_kept_with_what_people_added_to_it(world):
    run(world, registry_file("ctgov_search.json"))
    document = search_document()
    document["studies"][0]["protocolSection"]["contactsLocationsModule"]["locations"].pop()  # Jiangsu

    report = run(world, as_file("later.json", document))

    outcome = report.files[0].studies[0]
    assert outcome.sites.unlisted == ["Jiangsu Province Hospital (Nanjing)"] and outcome.sites.total == 4
    assert StudySite.objects.filter(study__nct_id="NCT03090659").count() == 4


def test_hospitals_are_matched_to_the_directory_across_case_spacing_and_chinese_names(world):
    xian, _ = hospital_get_or_create(
        name_en="the SECOND affiliated hospital of xi'an  jiaotong university",
        city=" XI'AN ",
        user=world.member,
        grade="grade_a_tertiary",
        grade_verified=True,
        grade_verified_on="2025-11-03",
    )
    changzheng, _ = hospital_get_or_create(
        name_en="Shanghai Changzheng Hospital", city="Shanghai", user=world.member, name_zh="上海长征医院"
    )
    before = Hospital.objects.count()

    report = run(world, registry_file("ctgov_search.json"))

    legend2 = report.files[0].studies[0]
    assert (legend2.sites.hospitals_matched, legend2.sites.hospitals_created) == (2, 2)
    hospitals = set(StudySite.objects.filter(study=legend2.study).values_list("hospital_id", flat=True))
    assert {xian.pk, changzheng.pk} <= hospitals
    xian.refresh_from_db()
    assert (xian.grade, xian.name_en) == (
        "grade_a_tertiary",
        "the SECOND affiliated hospital of xi'an  jiaotong university",
    )
    created_here = Hospital.objects.count() - before
    run(world, registry_file("ctgov_search.json"), team=world.atlas, user=world.outsider)  # another team, same sites
    assert Hospital.objects.count() - before == created_here
    assert Study.objects.filter(nct_id="NCT03090659").count() == 2  # one per team, behind its barrier


def test_the_same_hospital_twice_in_one_record_is_one_site(world):
    document = search_document()
    locations = document["studies"][2]["protocolSection"]["contactsLocationsModule"]["locations"]
    locations.append(
        dict(
            locations[0],
            facility="DANA-FARBER  CANCER INSTITUTE",
            contacts=[{"name": "A. Investigator", "role": "PRINCIPAL_INVESTIGATOR"}],
        )
    )

    report = run(world, as_file("twice.json", document))

    outcome = report.files[0].studies[2]
    assert outcome.sites.total == 1
    assert outcome.study.sites.get().principal_investigator == "A. Investigator"


def test_a_bad_file_writes_nothing_while_the_good_files_beside_it_import(world):
    document = search_document()
    document["studies"][0]["protocolSection"]["identificationModule"]["nctId"] = "NCT09990010"
    locations = document["studies"][1]["protocolSection"]["contactsLocationsModule"]["locations"]
    locations[2]["facility"] = "H" * 301  # the first study is written before this one is refused
    before = row_counts()

    report = run(
        world,
        registry_file("ctgov_sparse.json"),
        as_file("one-bad-site.json", document),
        registry_file("bad_location.json"),
        registry_file("NCT03204344.xml", folder=FIXTURES),
    )

    assert not report.ok
    assert [outcome.ok for outcome in report.files] == [True, False, False, True]
    problem = report.files[1].problem
    assert problem.file == "one-bad-site.json"
    assert problem.place.startswith("$.studies[1].protocolSection.contactsLocationsModule.locations[2] (line ")
    assert "name_en: Ensure this value has at most 300 characters" in problem.message
    assert str(report.files[2].problem).startswith(
        "bad_location.json: $.protocolSection.contactsLocationsModule.locations[2].facility (line 129, column 23)"
    )
    assert not Study.objects.filter(nct_id__in=["NCT09990010", "NCT09990001", "NCT09990005"]).exists()
    assert set(Study.objects.values_list("nct_id", flat=True)) == {"NCT09990003", "NCT03204344"}
    after = row_counts()
    assert after["Study"] == before["Study"] + 2 and after["Company"] == before["Company"]
    assert report.summary() == "2 created, 0 updated, 0 unchanged; 2 files failed."


def test_a_study_the_model_refuses_is_reported_at_the_study_and_nothing_is_written(world):
    document = search_document()
    document["studies"][1]["protocolSection"]["identificationModule"]["briefTitle"] = "T" * 501
    before = row_counts()

    report = run(world, as_file("long-title.json", document))

    problem = report.files[0].problem
    assert problem.place.startswith("$.studies[1] (line ")
    assert "NCT09990001 cannot be stored (title: Ensure this value has at most 500 characters" in problem.message
    assert row_counts() == before


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(world, settings):
    settings.DILIGENCE_MAX_REGISTRY_UPLOAD_BYTES = 2_000

    def never() -> bytes:
        raise AssertionError("an oversized file must not be read")

    report = run(world, RegistryFile(name="huge.json", size=10_000_000, read=never))

    assert str(report.files[0].problem) == (
        "huge.json: the file is over the 0.00190735 MB limit for a registry file (9.5 MB)"
    )
    assert not Study.objects.exists()


def test_an_unknown_sponsor_class_and_phase_are_kept_as_given_and_flagged(world):
    document = search_document()
    protocol = document["studies"][0]["protocolSection"]
    protocol["sponsorCollaboratorsModule"]["leadSponsor"]["class"] = "FOUNDATION"
    protocol["designModule"]["phases"] = ["PHASE5"]

    report = run(world, as_file("odd.json", document))

    study = Study.objects.get(nct_id="NCT03090659")
    assert (study.sponsor_class, study.sponsor_type) == ("FOUNDATION", "unknown")
    assert (study.phase, study.phase_as_registered) == ("", "PHASE5")
    assert any("'FOUNDATION'" in flag for flag in study.registry_flags)
    assert any("'PHASE5'" in flag for flag in study.registry_flags)
    assert report.files[0].studies[0].flags == study.registry_flags


def test_a_classification_edited_by_hand_is_recorded_and_survives_a_reimport(world):
    run(world, registry_file("ctgov_search.json"))
    study = Study.objects.get(nct_id="NCT03090659")
    study.sponsor_type = Study.SponsorType.INDUSTRY
    study.sponsor_type_reason = "Per the licensor: the company wrote the protocol and pays every site."
    fact_save(instance=study, user=world.lead, expected_version=study.version)

    report = run(world, registry_file("ctgov_search.json"))

    outcome = report.files[0].studies[0]
    assert outcome.status == "unchanged" and outcome.classification_kept
    study.refresh_from_db()
    assert study.sponsor_type == "industry" and study.sponsor_type_reason.startswith("Per the licensor")
    edit = study.history.order_by("-history_date").first()
    assert (edit.history_user, edit.sponsor_type, edit.prev_record.sponsor_type) == (
        world.lead,
        "industry",
        "iit_company_funded",
    )


def test_chictr_records_from_ictrp_import_with_the_sponsor_hospital_as_lead_site(world):
    west_china, _ = hospital_get_or_create(
        name_en="West China Hospital, Sichuan University", city="Chengdu", user=world.member
    )

    report = run(world, registry_file("chictr_ictrp.xml"))

    assert statuses(report) == {"ChiCTR2400099901": "created", "ChiCTR2300099902": "created"}
    iit = Study.objects.get(chictr_id="ChiCTR2400099901")
    assert iit.funding_company is not None
    assert (iit.sponsor_type, iit.funding_company.name) == (
        "iit_company_funded",
        "Chengdu Illustrative Biotech Co., Ltd.",
    )
    assert (iit.raw_format, iit.planned_enrollment, iit.start_display) == ("ictrp_xml", 30, "2024-04-01")
    assert iit.raw_record.startswith("<Triall>") and "ChiCTR2400099901" in iit.raw_record
    site = iit.sites.get()  # no city in the record: the directory's only entry of that name
    assert (site.hospital_id, site.role, site.principal_investigator) == (west_china.pk, "lead", "Wei Li")
    assert statuses(run(world, registry_file("chictr_ictrp.xml"))) == dict.fromkeys(statuses(report), "unchanged")


def test_the_legacy_xml_record_imports(world):
    report = run(world, registry_file("NCT03204344.xml", folder=FIXTURES))

    study = report.files[0].studies[0].study
    assert (study.nct_id, study.sponsor_type, study.raw_format) == ("NCT03204344", "iit", "ctgov_xml")
    assert study.sites.get().hospital.name_en == "Peking University First Hospital"


def test_an_asset_of_another_team_is_refused(world):
    other = AssetFactory(team=world.atlas)
    with pytest.raises(ValidationError):
        run(world, registry_file("ctgov_search.json"), asset=other)
    assert not Study.objects.exists()


def test_an_all_china_study_attached_to_an_asset_raises_the_ich_e17_finding(world):
    asset = AssetFactory(team=world.phoenix, code="LCAR-B38M")

    run(world, registry_file("NCT03090659.json", folder=FIXTURES / "api"), asset=asset)

    finding = Finding.objects.get(asset=asset, rule_id="ich-e17-no-mrct")
    assert finding.status == "open" and finding.citation == "ICH-E17"
    assert Study.objects.get(nct_id="NCT03090659").asset == asset

    run(world, registry_file("ctgov_search.json"), asset=asset)  # adds the MRCT with US and Japanese sites

    finding.refresh_from_db()
    assert finding.status == "resolved"


def many_sites_record(count: int) -> dict:
    """A real-shaped study with ``count`` locations (as large industry trials have), half of them in China."""
    document = copy.deepcopy(search_document()["studies"][1])
    cities = [("Shanghai", "China"), ("Beijing", "China"), ("Boston", "United States"), ("Madrid", "Spain")]
    document["protocolSection"]["contactsLocationsModule"]["locations"] = [
        {
            "facility": f"Research Site {number} Hospital",
            "city": city,
            "country": country,
            "status": "RECRUITING",
            "contacts": [{"name": f"Investigator {number}", "role": "PRINCIPAL_INVESTIGATOR"}],
            "geoPoint": {"lat": 31.2, "lon": 121.4},
        }
        for number, (city, country) in ((number, cities[number % 4]) for number in range(count))
    ]
    return document


def minified(document: dict) -> RegistryFile:
    raw = json.dumps(document, separators=(",", ":")).encode()  # as the API serves it
    return RegistryFile(name="NCT09990001.json", size=len(raw), read=lambda: raw)


def test_a_study_with_1148_sites_imports_in_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    """As many queries for 1,148 sites as for 4, 17 on PostgreSQL: the directory read for matching (hospitals with
    their aliases' keys), bulk inserts with their history, the record's version, and one read of the team's studies
    to find other registrations of the same trial. The rest is fact_save's per-study work (a check query for the
    constraints, a unique check the import's own lookups do not already answer, the company), the same for any
    study, without savepoints inside the file's transaction (SQLite's backend takes them whatever it is told: 16
    statements more there). Sites sent to the curators' review add three (the reviews, their history, their
    candidates): 20 in ``make bench``, whose sites all resemble directory names. No asset, so the findings
    (measured below) stay out of the count."""
    limit = 17 if connection.vendor == "postgresql" else 33
    hospital_get_or_create(name_en="research site 9  HOSPITAL", city="beijing", user=world.member)  # already known
    with django_assert_max_num_queries(limit) as small:
        registry_import(team=world.atlas, files=[minified(many_sites_record(4))], user=world.outsider)
    file = minified(many_sites_record(1148))

    started = time.perf_counter()
    with django_assert_max_num_queries(limit) as captured:
        report = registry_import(team=world.phoenix, files=[file], user=world.member)
    seconds = time.perf_counter() - started

    assert len(captured) == len(small)
    if connection.vendor == "postgresql":
        # The only savepoint is the file's own, there because this test runs inside a transaction of its own.
        savepoints = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" in q["sql"]]
        assert len(savepoints) == 2 and captured.captured_queries[0]["sql"].startswith("SAVEPOINT")

    outcome = report.files[0].studies[0]
    assert outcome.sites.total == 1148 and outcome.sites.china == 574
    assert (outcome.sites.hospitals_created, outcome.sites.hospitals_matched) == (1143, 5)  # 4 from the small one
    assert StudySite.history.filter(study_id=outcome.study.pk).count() == 1148
    real = [q for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    print(f"\n1,148 sites: {seconds:.2f} s, {len(captured)} queries ({len(real)} without savepoints)")

    with django_assert_max_num_queries(12):  # the same record again: read, compare, nothing written
        again = registry_import(team=world.phoenix, files=[file], user=world.member)
    assert again.files[0].studies[0].status == "unchanged"


def test_1148_sites_attached_to_an_asset_feed_the_findings(world, django_assert_max_num_queries):
    """Measured, not bounded: the findings service writes its findings one by one (one per site here)."""
    asset = AssetFactory(team=world.phoenix)

    started = time.perf_counter()
    with django_assert_max_num_queries(10_000) as captured:
        registry_import(team=world.phoenix, files=[minified(many_sites_record(1148))], user=world.member, asset=asset)
    seconds = time.perf_counter() - started

    assert Finding.objects.filter(asset=asset).exists()
    print(f"\n1,148 sites with findings: {seconds:.2f} s, {len(captured)} queries")


def test_an_imported_study_travels_in_a_dossier_and_back(world):
    asset = AssetFactory(team=world.phoenix, code="LCAR-B38M", name="LCAR-B38M")
    run(world, registry_file("ctgov_search.json"), registry_file("chictr_ictrp.xml"), asset=asset)
    document = dossier_export(asset=asset)
    legend2 = next(study for study in document["studies"] if study["nct_id"] == "NCT03090659")
    assert legend2["retrieved_at"].endswith("+00:00") and legend2["primary_completion_date_precision"] == "month"
    assert legend2["collaborators"] == [{"class": "INDUSTRY", "name": "Nanjing Legend Biotech Co."}]
    assert schema_problems(document) == []

    copy_in_atlas = dossier_import(team=world.atlas, document=json.loads(dossier_dumps(document)), user=world.outsider)

    assert dossier_dumps(dossier_export(asset=copy_in_atlas.asset)) == dossier_dumps(document)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite takes one writer at a time: imports never race")
@pytest.mark.django_db(transaction=True)
def test_a_hospital_another_import_creates_meanwhile_is_found_when_the_file_is_tried_again(world):
    """Two imports naming the same new hospital at once: the second waits on the first's insert, fails when it
    commits, and its file is imported again from the start, finding that hospital in the directory."""
    file = minified(many_sites_record(3))
    contested = Hospital(
        name_en="Research Site 0 Hospital", city="Shanghai", name_key=normalise_name("Research Site 0 Hospital")
    )
    contested.city_key = normalise_name(contested.city)
    outcome: dict[str, object] = {}

    def import_beside() -> None:
        try:
            outcome["report"] = registry_import(team=world.phoenix, files=[file], user=world.member)
        except BaseException as error:
            outcome["error"] = error
            raise
        finally:
            connections.close_all()

    with transaction.atomic():
        contested.save()  # not committed yet: the import's insert of the same hospital waits on it
        beside = threading.Thread(target=import_beside)
        beside.start()
        deadline = time.monotonic() + 30
        while not _waiting_on_a_lock() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_on_a_lock(), f"the other import never reached the hospital insert: {outcome}"
    beside.join(timeout=60)

    report = outcome["report"]
    assert isinstance(report, ImportReport) and report.ok, report
    sites = report.files[0].studies[0].sites
    assert (sites.hospitals_created, sites.hospitals_matched) == (2, 1)
    assert Hospital.objects.filter(name_key=contested.name_key, city_key=contested.city_key).count() == 1


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # the statistics views keep one snapshot per transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0

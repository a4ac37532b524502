"""The watch of linked registry records, against a local server playing ClinicalTrials.gov with a real record
(NCT00973089) and a version derived from it (sponsor class INDUSTRY, a site in China added): every import records
its version once, an unchanged record costs one small request, a changed one waits with what changed and what it
would do to the findings until a member accepts it or keeps the old one, and failures back off where people see them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from assets.models import RegistryRecordVersion, RegistryWatch, Study, StudyWatch
from assets.registry import RegistryFetchError, registry_import
from assets.registry.fetch import ctgov_fetch, ctgov_last_update
from assets.registry.parse import parse_registry_file
from assets.registry.records import RegistryStudy
from assets.registry.versions import last_accepted, record_changes
from assets.registry.watch import (
    registry_watch_check,
    registry_watch_failed,
    registry_watch_schedule_set,
    registry_watch_sweep,
)
from diligence.models import Finding, Notification
from tests.assets.registry_api import registry_api
from tests.assets.test_registry_import import registry_file
from tests.conftest import client_for
from tests.factories import AssetFactory, StudyFactory
from tests.fixtures import REGISTRY

pytestmark = pytest.mark.django_db

NCT = "NCT00973089"
ORIGINAL = (REGISTRY / "NCT00973089.json").read_bytes()
DERIVED = (REGISTRY / "derived" / "NCT00973089_industry_china_site.json").read_bytes()


@pytest.fixture
def api(settings):
    with registry_api() as (state, base):
        settings.CTGOV_API_BASE = base
        settings.CTGOV_API_TIMEOUT = 2.0
        settings.CTGOV_MIN_INTERVAL_SECONDS = 0  # the rate limit has a test of its own
        yield state


@pytest.fixture
def study(world) -> Study:
    """The real record, uploaded onto an asset of phoenix: its first, accepted version."""
    asset = AssetFactory(team=world.phoenix)
    registry_import(team=world.phoenix, files=[registry_file("NCT00973089.json")], user=world.member, asset=asset)
    return Study.objects.select_related("asset").get(team=world.phoenix, nct_id=NCT)


def page(user, study: Study):
    return client_for(user).get(reverse("assets:study_registry", args=[study.pk]))


# --- versions ------------------------------------------------------------------------------------------------


def test_every_import_records_its_version_once_with_where_and_when(world, study, tmp_path):
    first = RegistryRecordVersion.objects.get(study=study)
    assert (first.status, first.origin, first.origin_detail) == ("accepted", "upload", "NCT00973089.json")
    assert (first.last_update_posted, first.decided_by) == ("2015-08-19", world.member)

    # The same record again, laid out otherwise (as a search response would), is the same version.
    relaid = json.dumps(json.loads(ORIGINAL), indent=None).encode()
    registry_import(team=world.phoenix, files=[registry_file("again.json", relaid)], user=world.lead, asset=None)
    assert RegistryRecordVersion.objects.filter(study=study).count() == 1

    path = tmp_path / "NCT00973089.json"
    path.write_bytes(DERIVED)
    call_command("import_ctgov", str(path), "--team", world.phoenix.slug)
    second = RegistryRecordVersion.objects.filter(study=study).latest("pk")
    assert (second.origin, second.status, second.last_update_posted) == ("command", "accepted", "2016-02-01")
    assert last_accepted(study.pk) == second

    shown = page(world.member, study)
    assert shown.status_code == 200
    html = shown.content.decode()
    assert "import_ctgov command" in html and "Uploaded file" in html and "2016-02-01" in html


def test_a_chictr_record_is_watched_by_uploading_it_again(world):
    """ChiCTR has no API: an upload of the record again records its new version, accepted, and says what changed."""
    raw = (REGISTRY / "chictr_ictrp.xml").read_bytes()
    registry_import(team=world.phoenix, files=[registry_file("chictr_ictrp.xml", raw)], user=world.member)
    moved = raw.replace(
        b"<Recruitment_Status>Recruiting</Recruitment_Status>", b"<Recruitment_Status>Completed</Recruitment_Status>", 1
    )
    registry_import(team=world.phoenix, files=[registry_file("chictr_later.xml", moved)], user=world.lead)

    study = Study.objects.get(team=world.phoenix, chictr_id="ChiCTR2400099901")
    first, second = RegistryRecordVersion.objects.filter(study=study).order_by("pk")
    assert [(v.origin, v.origin_detail, v.status) for v in (first, second)] == [
        ("upload", "chictr_ictrp.xml", "accepted"),
        ("upload", "chictr_later.xml", "accepted"),
    ]
    assert last_accepted(study.pk) == second and second.decided_by == world.lead
    unchanged = Study.objects.get(team=world.phoenix, chictr_id="ChiCTR2300099902")  # the file's other study
    assert RegistryRecordVersion.objects.filter(study=unchanged).count() == 1

    asked = client_for(world.member).post(reverse("assets:study_registry_check", args=[study.pk]))
    assert asked.status_code == 400 and "uploading it again" in asked.content.decode()


def test_a_fetched_record_is_recorded_as_fetched_from_its_url(api, world):
    api.records[NCT] = ORIGINAL
    registry_import(team=world.phoenix, files=[ctgov_fetch(NCT).as_file()], user=world.member)
    version = RegistryRecordVersion.objects.get(study__nct_id=NCT, study__team=world.phoenix)
    assert (version.origin, version.status) == ("fetch", "accepted")
    assert version.origin_detail.endswith(f"/api/v2/studies/{NCT}?format=json")


def test_the_comparison_says_what_changed_field_by_field_with_sites_added_and_removed():
    (original,) = parse_registry_file(ORIGINAL)
    (derived,) = parse_registry_file(DERIVED)
    changes = {change["field"]: change for change in record_changes(original, derived)}

    assert changes["lead_sponsor"]["old"] == "Hadassah Medical Organization, OTHER"
    assert changes["lead_sponsor"]["new"] == "Hadassah Medical Organization, INDUSTRY"
    site = "Ruijin Hospital, Shanghai Jiao Tong University School of Medicine, Shanghai, China"
    assert (changes["sites"]["added"], changes["sites"]["removed"]) == ([site], [])
    assert changes["countries"]["added"] == ["China"]
    assert set(changes) == {"lead_sponsor", "sites", "countries"}  # nothing else was changed in the derived file
    # Backwards, the site is removed; and a record compared with itself has no changes.
    backwards = {change["field"]: change for change in record_changes(derived, original)}
    assert (backwards["sites"]["added"], backwards["sites"]["removed"]) == ([], [site])
    assert record_changes(original, original) == []


@dataclasses.dataclass
class RecordWithEligibility(RegistryStudy):
    """A record as the parsers may read it once they know a study's eligibility criteria."""

    eligibility: list[str] = dataclasses.field(default_factory=list)


def test_a_field_the_parsers_learn_later_is_compared_without_more_work():
    (original,) = parse_registry_file(ORIGINAL)
    fields = {f.name: getattr(original, f.name) for f in dataclasses.fields(original)}
    before = RecordWithEligibility(**fields, eligibility=["adults"])
    after = dataclasses.replace(before, eligibility=["adults", "ECOG 0-1"], raw="other text", notes=["kept as given"])
    expected = {"field": "eligibility", "label": "eligibility", "added": ["ECOG 0-1"], "removed": []}
    assert record_changes(before, after) == [expected]


def test_arms_and_primary_outcomes_are_compared():
    (original,) = parse_registry_file(ORIGINAL)
    after = dataclasses.replace(original, arms=[*original.arms, "B: placebo"], primary_outcomes=["ORR at week 12"])
    changes = {change["field"]: change for change in record_changes(original, after)}
    assert set(changes) == {"arms", "primary_outcomes"}
    assert changes["arms"]["added"] == ["B: placebo"] and changes["arms"]["removed"] == []
    assert changes["primary_outcomes"]["added"] == ["ORR at week 12"]


# --- the watch -----------------------------------------------------------------------------------------------


def test_an_unchanged_record_costs_one_small_request(api, study):
    api.records[NCT] = ORIGINAL

    assert registry_watch_check(study_id=study.pk) == "unchanged since 2015-08-19"

    assert len(api.requests) == 1 and api.light == api.requests
    assert "fields=protocolSection.statusModule.lastUpdatePostDateStruct" in api.requests[0]
    assert RegistryRecordVersion.objects.filter(study=study).count() == 1
    state = StudyWatch.objects.get(study=study)
    assert (state.requests, state.failures, state.last_update_posted) == (1, 0, "2015-08-19")


def test_a_changed_record_shows_its_changes_and_their_effect_on_the_findings_before_acceptance(api, world, study):
    api.records[NCT] = DERIVED
    findings_before = set(Finding.objects.filter(asset=study.asset, status__in=Finding.ACTIVE).values_list("rule_id"))

    with TestCase.captureOnCommitCallbacks(execute=True):
        result = registry_watch_check(study_id=study.pk)

    assert result.startswith("new version") and (len(api.light), len(api.full)) == (1, 1)
    pending = RegistryRecordVersion.objects.get(study=study, status="pending")
    assert pending.origin == "watch" and pending.last_update_posted == "2016-02-01"
    assert pending.compared_with == last_accepted(study.pk)
    assert {"lead_sponsor", "sites"} <= {change["field"] for change in pending.changes}
    assert pending.effects, "a sponsor turned industry and a site in China change the findings"
    assert all(
        effect["citation"] and effect["change"] in {"appears", "disappears", "changes"} for effect in pending.effects
    )
    # Nothing of it is in the facts yet.
    study.refresh_from_db()
    assert (study.sponsor_class, study.sites.count()) == ("OTHER", 1)
    assert (
        set(Finding.objects.filter(asset=study.asset, status__in=Finding.ACTIVE).values_list("rule_id"))
        == findings_before
    )
    told = Notification.objects.filter(kind="registry_changed", team=world.phoenix)
    assert {n.user for n in told} >= {world.member, world.lead} and "lead sponsor" in told[0].message

    html = page(world.member, study).content.decode()
    assert "Hadassah Medical Organization, INDUSTRY" in html and "+ Ruijin Hospital" in html
    for effect in pending.effects:
        assert f'data-effect="{effect["change"]}:{effect["rule_id"]}"' in html
        assert effect["citation"] in html

    accepted = client_for(world.member).post(
        reverse("assets:registry_version_accept", args=[pending.pk]), {"seen_latest": pending.pk}
    )
    assert accepted.status_code == 302
    study.refresh_from_db()
    assert (study.sponsor_class, study.sites.count()) == ("INDUSTRY", 2)
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == ("accepted", world.member)
    appeared = {effect["rule_id"] for effect in pending.effects if effect["change"] == "appears"}
    active = set(Finding.objects.filter(asset=study.asset, status__in=Finding.ACTIVE).values_list("rule_id", flat=True))
    assert appeared <= active  # what the dry run announced is what the import raised
    decided = Notification.objects.filter(kind="registry_decided")
    assert world.lead in {n.user for n in decided} and world.member not in {n.user for n in decided}


def test_a_decision_made_while_a_newer_version_arrived_is_refused_and_keeping_needs_a_note(api, world, study):
    api.records[NCT] = DERIVED
    registry_watch_check(study_id=study.pk)
    first = RegistryRecordVersion.objects.get(study=study, status="pending")
    later = json.loads(DERIVED)  # the registry moved again: the study now recruits
    later["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
    later["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2016-03-01"
    api.records[NCT] = json.dumps(later).encode()
    registry_watch_check(study_id=study.pk)
    newest = RegistryRecordVersion.objects.filter(study=study).latest("pk")
    assert newest.status == "pending" and newest.pk != first.pk

    client = client_for(world.member)
    stale = client.post(reverse("assets:registry_version_accept", args=[first.pk]), {"seen_latest": first.pk})
    assert stale.status_code == 409 and "newer version" in stale.content.decode()
    assert Study.objects.get(pk=study.pk).sponsor_class == "OTHER"

    no_note = client.post(reverse("assets:registry_version_keep", args=[first.pk]), {"seen_latest": newest.pk})
    assert no_note.status_code == 400 and "Say why" in no_note.content.decode()

    kept = client.post(
        reverse("assets:registry_version_keep", args=[first.pk]),
        {"seen_latest": newest.pk, "note": "The licensor says the sponsor change is an error."},
    )
    assert kept.status_code == 302
    first.refresh_from_db()
    assert (first.status, first.note, first.decided_by) == (
        "kept",
        "The licensor says the sponsor change is an error.",
        world.member,
    )
    assert Study.objects.get(pk=study.pk).sponsor_class == "OTHER"
    again = client.post(
        reverse("assets:registry_version_keep", args=[first.pk]), {"seen_latest": newest.pk, "note": "x"}
    )
    assert again.status_code == 409  # decided already

    # The newest version was compared with the last accepted one, not with the one kept out.
    assert newest.compared_with == last_accepted(study.pk)
    assert {c["field"] for c in newest.changes} >= {"status", "lead_sponsor"}


def test_failures_back_off_and_are_shown_with_the_next_attempt(api, world, study, settings):
    settings.DILIGENCE_REGISTRY_WATCH_RETRIES = 3
    settings.DILIGENCE_REGISTRY_WATCH_BACKOFF_SECONDS = 60
    api.records[NCT] = ORIGINAL
    api.failures = [503, 503]
    delays = []
    for attempt in range(2):
        with pytest.raises(RegistryFetchError) as failed:
            registry_watch_check(study_id=study.pk)
        assert failed.value.transient
        delays.append(registry_watch_failed(study_id=study.pk, error=failed.value, attempt=attempt))
    assert delays == [60, 120]
    state = StudyWatch.objects.get(study=study)
    assert state.failures == 2 and "HTTP 503" in state.last_error
    assert state.next_attempt_at is not None
    assert dt.timedelta(seconds=110) < state.next_attempt_at - timezone.now() <= dt.timedelta(seconds=120)
    html = page(world.member, study).content.decode()
    assert "HTTP 503" in html and "2 in a row" in html and "tried again by itself at" in html
    assert "Not yet: every attempt so far failed" in html and "Due now: the watch's next round takes it" in html

    assert registry_watch_check(study_id=study.pk) == "unchanged since 2015-08-19"  # the API is back
    state.refresh_from_db()
    assert (state.failures, state.next_attempt_at, state.requests) == (0, None, 3)
    assert "HTTP 503" in state.last_error  # the last failure stays on the page, no longer counted as current

    api.records.clear()  # a study the API no longer has is not retried: it waits for its next scheduled check
    with pytest.raises(RegistryFetchError) as gone:
        registry_watch_check(study_id=study.pk)
    assert not gone.value.transient
    assert registry_watch_failed(study_id=study.pk, error=gone.value, attempt=0) is None
    assert "No more tries before the next scheduled check" in StudyWatch.objects.get(study=study).last_error


def test_a_429_waits_at_least_as_long_as_the_api_asks(api, study, settings):
    settings.DILIGENCE_REGISTRY_WATCH_BACKOFF_SECONDS = 0.1
    api.failures = [429]
    with pytest.raises(RegistryFetchError) as limited:
        registry_watch_check(study_id=study.pk)
    assert limited.value.transient and limited.value.retry_after == 1.0
    assert registry_watch_failed(study_id=study.pk, error=limited.value, attempt=0) == 1.0


def test_requests_to_the_api_keep_a_minimum_interval_across_processes(api, settings):
    """The turn is taken in the shared cache; one that would wait longer than allowed goes back to the queue."""
    api.records[NCT] = ORIGINAL
    settings.CTGOV_MIN_INTERVAL_SECONDS = 3600
    settings.CTGOV_MAX_WAIT_SECONDS = 0
    assert ctgov_last_update(NCT) == "2015-08-19"
    with pytest.raises(RegistryFetchError, match="Our own limit") as waited:
        ctgov_last_update(NCT)
    assert waited.value.transient and len(api.requests) == 1


def test_the_sweep_sends_each_due_check_once_on_the_asset_schedule(world, study):
    now = timezone.now()
    other = AssetFactory(team=world.phoenix)  # a study entered by hand, with no imported version: not watched
    Study.objects.create(team=world.phoenix, asset=other, title="Entered by hand", nct_id="NCT09990077")

    assert registry_watch_sweep(now=now) == [study.pk]
    assert registry_watch_sweep(now=now) == []  # claimed: a second sweep sends nothing
    assert StudyWatch.objects.get(study=study).next_check_at == now + dt.timedelta(days=1)
    assert registry_watch_sweep(now=now + dt.timedelta(days=1, seconds=1)) == [study.pk]

    registry_watch_schedule_set(asset=study.asset, user=world.lead, schedule="weekly", expected_version=0)
    assert registry_watch_sweep(now=now + dt.timedelta(days=2)) == [study.pk]  # the new interval counts from now
    assert StudyWatch.objects.get(study=study).next_check_at == now + dt.timedelta(days=9)
    assert registry_watch_sweep(now=now + dt.timedelta(days=8)) == []

    registry_watch_schedule_set(asset=study.asset, user=world.lead, schedule="off", expected_version=1)
    assert registry_watch_sweep(now=now + dt.timedelta(days=30)) == []


# --- the pages -------------------------------------------------------------------------------------------------


def test_check_now_queues_the_check_and_never_calls_the_api_in_the_request(api, world, study):
    api.records[NCT] = ORIGINAL
    response = client_for(world.member).post(reverse("assets:study_registry_check", args=[study.pk]))
    assert response.status_code == 302
    assert api.requests == []  # the worker asks, not the request
    assert StudyWatch.objects.get(study=study).enqueued_at is not None

    partner = client_for(world.partner).post(reverse("assets:study_registry_check", args=[study.pk]))
    assert partner.status_code == 404


def test_check_now_by_htmx_swaps_in_the_watch_section_which_polls_until_a_worker_answered(api, world, study):
    api.records[NCT] = DERIVED
    client = client_for(world.member)
    asked = client.post(reverse("assets:study_registry_check", args=[study.pk]), HTTP_HX_REQUEST="true")
    html = asked.content.decode()
    assert asked.status_code == 200 and "HX-Request" in asked["Vary"]
    assert html.lstrip().startswith('<section class="panel" id="registry-watch" data-checking="yes"')
    assert 'hx-trigger="every 2s"' in html and "<h1>" not in html  # the section alone

    url = reverse("assets:study_registry", args=[study.pk])
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200  # still waiting: polling goes on
    registry_watch_check(study_id=study.pk)  # what the worker does
    answered = client.get(url, HTTP_HX_REQUEST="true")
    assert answered.status_code == 286  # htmx stops polling
    html = answered.content.decode()
    assert 'data-checking="no"' in html and "1 new version waiting for a decision" in html


def test_only_the_lead_sets_the_schedule_and_a_stale_form_is_refused(world, study):
    url = reverse("assets:registry_watch_edit", args=[study.asset_id])
    form = {"schedule": "weekly", "version": 0, "study": study.pk}
    assert client_for(world.member).post(url, form).status_code == 404
    assert client_for(world.lead).post(url, form).status_code == 302
    assert RegistryWatch.objects.get(asset=study.asset).schedule == "weekly"
    stale = client_for(world.lead).post(url, form | {"schedule": "off"})
    assert stale.status_code == 409 and "changed meanwhile to Weekly" in stale.content.decode()
    assert client_for(world.lead).post(url, form | {"schedule": "hourly", "version": 1}).status_code == 400
    tampered = client_for(world.lead).post(url, form | {"version": "x"})
    assert tampered.status_code == 400 and 'role="alert"' in tampered.content.decode()
    assert "Enter a whole number." in tampered.content.decode()
    assert RegistryWatch.objects.get(asset=study.asset).schedule == "weekly"


def test_the_page_runs_the_same_queries_for_2_versions_as_for_40(world, study, django_assert_max_num_queries):
    def add_versions(count: int) -> None:
        RegistryRecordVersion.objects.bulk_create(
            RegistryRecordVersion(
                team=world.phoenix,
                study=study,
                registry_id=NCT,
                raw_format="ctgov_json",
                raw_record="{}",
                content_hash=f"{index:064d}",
                origin="watch",
                retrieved_at=timezone.now(),
                status="pending",
                changes=[{"field": "status", "label": "status", "old": "a", "new": "b"}],
            )  # fmt: skip
            for index in range(RegistryRecordVersion.objects.count(), RegistryRecordVersion.objects.count() + count)
        )

    client = client_for(world.lead)
    url = reverse("assets:study_registry", args=[study.pk])
    add_versions(1)
    client.get(url)  # settle the session
    with django_assert_max_num_queries(100) as few:
        assert client.get(url).status_code == 200
    add_versions(38)
    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(url)
    assert response.content.decode().count("data-pending-version=") == 39
    assert len(many) == len(few)
    # Versions are numbered within their study, whatever ids other studies' versions took.
    other = StudyFactory(team=world.phoenix)
    RegistryRecordVersion.objects.filter(pk__in=list(study.registry_versions.values_list("pk", flat=True)[:5])).update(
        study=other
    )
    html = client.get(url).content.decode()
    count = study.registry_versions.count()
    assert [version.number for version in study.registry_versions.order_by("pk")] == list(range(1, count + 1))
    assert f"New version {count}, waiting for a decision" in html and f"<td>{count} <span" in html

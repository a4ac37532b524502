"""The watch through a real Celery worker process and a local server playing ClinicalTrials.gov: "check now" from
the page is answered at once, the worker's check fails twice (HTTP 503, then 429), backs off, is seen failing on the
page, and then finds the changed record and leaves it pending with its changes and effects."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assets.models import RegistryRecordVersion, Study, StudyWatch
from assets.registry import registry_import
from diligence.models import Notification
from tests.assets.registry_api import registry_api
from tests.assets.test_registry_import import registry_file
from tests.conftest import client_for
from tests.factories import AssetFactory
from tests.fixtures import REGISTRY
from tests.workers import running_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

NCT = "NCT00973089"
DERIVED = (REGISTRY / "derived" / "NCT00973089_industry_china_site.json").read_bytes()
TIMEOUT = 90


def test_a_worker_backs_off_through_failures_then_leaves_the_changed_record_pending(world):
    asset = AssetFactory(team=world.phoenix)
    registry_import(team=world.phoenix, files=[registry_file("NCT00973089.json")], user=world.member, asset=asset)
    study = Study.objects.get(team=world.phoenix, nct_id=NCT)
    with registry_api() as (api, base):
        api.records[NCT] = DERIVED
        api.failures = [503, 429]  # the 429 asks for a second (Retry-After: 1), more than the backoff's 0.5 s
        env = {
            "CTGOV_API_BASE": base,
            "CTGOV_MIN_INTERVAL_SECONDS": "0.2",
            "DILIGENCE_REGISTRY_WATCH_BACKOFF_SECONDS": "0.5",
        }
        with running_worker(queues="default", env=env):
            client = client_for(world.member)
            asked = client.post(reverse("assets:study_registry_check", args=[study.pk]))
            assert asked.status_code == 302  # answered before any request reached the API
            seen_failing = []

            def failing() -> tuple[int, object]:
                state = StudyWatch.objects.get(study=study)
                return state.failures, state.next_attempt_at

            def pending() -> bool:
                before = failing()
                if before[0]:
                    page = client.get(reverse("assets:study_registry", args=[study.pk])).content.decode()
                    # Only a page rendered while the failure stood still says anything: the worker may have
                    # tried again between the two reads.
                    if failing() == before:
                        seen_failing.append("in a row" in page and "tried again by itself at" in page)
                return RegistryRecordVersion.objects.filter(study=study, status="pending").exists()

            wait_for(pending, timeout=TIMEOUT, what="the worker to store the changed record as pending")

    state = StudyWatch.objects.get(study=study)
    # Two failed light requests, then the light request that saw the date move and the full record: four in all.
    assert (len(api.light), len(api.full), state.requests) == (3, 1, 4)
    assert (state.failures, state.next_attempt_at) == (0, None)
    assert "limiting requests" in state.last_error  # the 429, the last failure, stays on the page
    # Between the failures and the success the worker waited over a second and a half, and the page, polled
    # meanwhile, said what failed and when it is tried again.
    assert seen_failing and all(seen_failing)
    version = RegistryRecordVersion.objects.get(study=study, status="pending")
    assert {"lead_sponsor", "sites"} <= {change["field"] for change in version.changes} and version.effects
    assert Study.objects.get(pk=study.pk).sponsor_class == "OTHER"  # not in the facts until someone accepts it
    assert Notification.objects.filter(kind="registry_changed", user=world.lead).exists()

"""No page grows without bound with the data: a study of many sites shows the first SITES_SHOWN on the sites tab and
the rest a page at a time; the findings tab shows FINDINGS_PER_PAGE findings a page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from assets.models import Hospital, StudySite
from assets.selectors import SITES_SHOWN
from diligence.models import Finding
from diligence.services.standing import standings_rebuild
from diligence.views.findings import FINDINGS_PER_PAGE

pytestmark = pytest.mark.django_db


def add_sites(study, count: int) -> None:
    hospitals = Hospital.objects.bulk_create(
        Hospital(name_en=f"Hospital {n:04d}", city="Wuhan", name_key=f"hospital {n:04d}", city_key="wuhan")
        for n in range(count)
    )
    StudySite.objects.bulk_create(StudySite(study=study, hospital=hospital) for hospital in hospitals)


def test_the_sites_tab_shows_a_bounded_number_of_sites_per_study_and_pages_the_rest(
    world, client_as, django_assert_num_queries
):
    facts = world.facts
    add_sites(facts.study, 250)  # 251 with the one it had
    url = reverse("assets:asset_detail", args=[facts.asset.pk])
    client = client_as("member")
    first = client.get(url, {"tab": "sites"}, headers={"HX-Request": "true"}).content.decode()
    assert first.count("<tr>") - 1 == SITES_SHOWN  # the header row aside
    assert f"The first {SITES_SHOWN} of 251 sites." in first
    pages = [
        client.get(url, {"tab": "sites", "study": facts.study.pk, "page": page}, headers={"HX-Request": "true"})
        for page in (1, 2, 3)
    ]
    assert [p.content.decode().count("<tr>") - 1 for p in pages] == [100, 100, 51]
    assert "Sites 201–251 of 251" in pages[2].content.decode()
    shown = {f"Hospital {n:04d}" for n in range(250) if any(f"Hospital {n:04d}<" in p.content.decode() for p in pages)}
    assert len(shown) == 250  # every added site reachable, on one page or another
    assert client.get(url, {"tab": "sites", "study": "9" * 5000}).status_code == 200  # a hostile id: every study


def test_the_sites_tab_reads_the_same_number_of_queries_for_few_and_many_sites(world, client_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    facts = world.facts
    url = reverse("assets:asset_detail", args=[facts.asset.pk])
    client = client_as("member")
    client.get(url, {"tab": "sites"})
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"tab": "sites"})
    add_sites(facts.study, 300)
    with CaptureQueriesContext(connection) as many:
        client.get(url, {"tab": "sites"})
    assert len(many) == len(few)


def test_the_findings_tab_shows_a_page_of_findings_at_a_time(world, client_as):
    facts = world.facts
    template = Finding.objects.filter(asset=facts.asset).first()
    assert template is not None
    Finding.objects.bulk_create(
        Finding(
            team=template.team,
            asset=template.asset,
            rule_id=template.rule_id,
            question=template.question,
            severity=template.severity,
            citation=template.citation,
            title=f"Bulk finding {n}",
            message="m",
            subject=f"bulk:{n}",
            computed_at=timezone.now(),
        )
        for n in range(120)
    )
    standings_rebuild(asset_ids=[facts.asset.pk])  # written in bulk: no signal
    total = Finding.objects.filter(asset=facts.asset).count()
    url = reverse("diligence:asset_findings", args=[facts.asset.pk])
    page = client_as("member").get(url, headers={"HX-Request": "true"}).content.decode()
    assert page.count('<article class="finding') == FINDINGS_PER_PAGE
    assert f"Findings 1–{FINDINGS_PER_PAGE} of {total}" in page
    last_page = (total - 1) // FINDINGS_PER_PAGE + 1
    last = client_as("member").get(url, {"page": last_page}, headers={"HX-Request": "true"}).content.decode()
    assert last.count('<article class="finding') == total - FINDINGS_PER_PAGE * ((total - 1) // FINDINGS_PER_PAGE)

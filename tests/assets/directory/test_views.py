"""The review queue as curators use it: listed with candidates in a fixed number of queries, each answer given by
htmx (the row alone comes back) or a plain form post; refused to everyone who does not curate the directory."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assets.models import Hospital, SiteMatchCandidate, SiteMatchReview
from tests.assets.directory.conftest import AMBIGUOUS, NEAR
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

QUEUE = reverse("assets:site_match_review_list")
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, review: SiteMatchReview) -> str:
    return reverse(f"assets:{name}", kwargs={"match_review_id": review.pk})


def test_curators_see_the_queue_with_candidates_and_others_get_404(world, queued):
    page = client_for(world.staff).get(QUEUE)
    assert page.status_code == 200
    html = page.content.decode()
    assert AMBIGUOUS in html and NEAR in html and "Peking University First Hospital" in html
    assert "NCT09990001" in html
    for role in ("member", "lead", "partner", "outsider"):
        assert client_for(world.user(role)).get(QUEUE).status_code == 404
    world.member.user_permissions.add(Permission.objects.get(codename="change_hospital"))  # made a curator
    assert client_for(world.member).get(QUEUE).status_code == 200


def test_confirm_by_htmx_answers_with_the_row_alone(world, queued):
    review = SiteMatchReview.objects.get(site_text=NEAR)
    ruijin = review.scored_candidates.select_related("hospital")[0].hospital
    prefix = f"confirm-{review.pk}"
    response = client_for(world.staff).post(
        url("site_match_confirm", review), {f"{prefix}-hospital": ruijin.pk, f"{prefix}-version": 1}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and f'id="site-match-{review.pk}"' in html and "Linked to" in html
    review.refresh_from_db()
    assert review.status == "confirmed" and review.resolved_hospital == ruijin


def test_create_by_plain_post_redirects_to_the_queue(world, queued):
    review = SiteMatchReview.objects.get(site_text=AMBIGUOUS)
    response = client_for(world.staff).post(url("site_match_create", review), {f"create-{review.pk}-version": 1})
    assert response.status_code == 302 and response["Location"] == QUEUE
    assert review.holding_id is not None and Hospital.objects.get(pk=review.holding_id).reviewed


def test_merge_by_htmx_and_its_refusals(world, queued):
    review = SiteMatchReview.objects.get(site_text=AMBIGUOUS)
    client = client_for(world.staff)
    first = Hospital.objects.get(name_en="Peking University First Hospital")
    prefix = f"merge-{review.pk}"
    same = client.post(
        url("site_match_merge", review),
        {f"{prefix}-keep": first.pk, f"{prefix}-remove": first.pk, f"{prefix}-version": 1},
        **HTMX,
    )
    assert same.status_code == 400 and "Choose two different hospitals." in same.content.decode()
    stale = client.post(
        url("site_match_merge", review),
        {f"{prefix}-keep": first.pk, f"{prefix}-remove": review.holding_id, f"{prefix}-version": 7},
        **HTMX,
    )
    assert stale.status_code == 409 and "Someone acted on this site string" in stale.content.decode()
    done = client.post(
        url("site_match_merge", review),
        {f"{prefix}-keep": first.pk, f"{prefix}-remove": review.holding_id, f"{prefix}-version": 1},
        **HTMX,
    )
    assert done.status_code == 200 and "Merged" in done.content.decode()
    review.refresh_from_db()
    assert review.holding == first and review.version == 2


def test_a_merge_refuses_a_hospital_edited_since_the_page_was_read(world, queued):
    from assets.directory.forms import MergeForm

    review = SiteMatchReview.objects.get(site_text=AMBIGUOUS)
    first = Hospital.objects.get(name_en="Peking University First Hospital")
    prefix = f"merge-{review.pk}"
    seen = MergeForm(review=review).initial["hospital_versions"]  # what the page carries
    assert f"{first.pk}:{first.version}" in seen.split(",")
    holding = review.holding_id
    assert holding is not None
    Hospital.objects.filter(pk=holding).update(version=5, province="Beijing")  # a curator's edit meanwhile
    data = {
        f"{prefix}-keep": first.pk,
        f"{prefix}-remove": holding,
        f"{prefix}-version": 1,
        f"{prefix}-hospital_versions": seen,
    }
    refused = client_for(world.staff).post(url("site_match_merge", review), data, **HTMX)
    assert refused.status_code == 409
    assert Hospital.objects.filter(pk=holding, province="Beijing").exists()  # the edit is not merged away
    garbled = client_for(world.staff).post(
        url("site_match_merge", review), {**data, f"{prefix}-hospital_versions": "x:y"}, **HTMX
    )
    assert garbled.status_code == 400 and "garbled" in garbled.content.decode()


def test_a_non_curator_cannot_act(world, queued):
    review = SiteMatchReview.objects.get(site_text=AMBIGUOUS)
    response = client_for(world.member).post(url("site_match_create", review), {f"create-{review.pk}-version": 1})
    assert response.status_code == 404
    review.refresh_from_db()
    assert review.status == "pending"


def test_the_queue_runs_the_same_queries_for_2_reviews_and_for_20(world, queued):
    client = client_for(world.staff)

    def counted() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(QUEUE).status_code == 200
        return len(captured)

    small = counted()
    hospitals = list(Hospital.objects.filter(reviewed=True)[:3])
    for number in range(18):
        holding = Hospital.objects.create(name_en=f"Provincial Hospital No. {number}", city="Xining", reviewed=False)
        review = SiteMatchReview.objects.create(site_text=holding.name_en, holding=holding)
        SiteMatchCandidate.objects.bulk_create(
            SiteMatchCandidate(review=review, hospital=hospital, score=85) for hospital in hospitals
        )
    assert SiteMatchReview.objects.filter(status="pending").count() == 20
    assert counted() == small


def test_the_directory_search_finds_aliases_and_traditional_characters(world, directory):
    client = client_for(world.member)
    for term in ("西安交大二附院", "西安交通大學第二附屬醫院", "Guangci"):
        page = client.get(reverse("assets:hospital_list"), {"q": term}, headers={"HX-Request": "true"}).content.decode()
        wanted = "Ruijin Hospital" if term == "Guangci" else "Second Affiliated Hospital of Xi&#x27;an Jiaotong"
        assert wanted in page and "1 hospital" in page, term

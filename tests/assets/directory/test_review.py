"""The review queue's services: an uncertain site string waits on an unreviewed record; confirming links it (the
string becomes an alias, the record merges away), keeping makes the record canonical, merging makes two records one.
Each refuses a stale version and an answer outside the review's own hospitals."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from assets.directory import services
from assets.jobs.lines import registry_line
from assets.models import Hospital, HospitalAlias, SiteMatchReview, Study, StudySite
from assets.registry import registry_import
from assets.services import StaleEdit
from tests.assets.directory.conftest import AMBIGUOUS, NEAR, uncertain_search_file

pytestmark = pytest.mark.django_db

RUIJIN = "Ruijin Hospital, Shanghai Jiao Tong University School of Medicine"


def review_of(text: str) -> SiteMatchReview:
    return SiteMatchReview.objects.get(site_text=text)


def candidate_names(review: SiteMatchReview) -> list[str]:
    return [c.hospital.name_en for c in review.scored_candidates.select_related("hospital")]


def test_uncertain_strings_wait_in_the_queue_on_unreviewed_records(queued):
    ambiguous, near = review_of(AMBIGUOUS), review_of(NEAR)
    assert (ambiguous.registry_id, near.registry_id) == ("NCT09990001", "NCT03090659")
    assert {"Peking University First Hospital", "Peking University Third Hospital"} <= set(candidate_names(ambiguous))
    assert candidate_names(near)[0] == RUIJIN
    for review in (ambiguous, near):
        assert review.status == "pending" and review.holding is not None and not review.holding.reviewed
        assert review.holding.study_sites.count() == 1  # the site waits on it
    assert SiteMatchReview.objects.count() == 2
    assert review_of(AMBIGUOUS).history.count() == 1


def test_importing_the_same_strings_again_queues_nothing_new(world, queued):
    holdings = Hospital.objects.filter(reviewed=False).count()
    registry_import(team=world.atlas, files=[uncertain_search_file()], user=world.outsider)
    assert SiteMatchReview.objects.count() == 2 and Hospital.objects.filter(reviewed=False).count() == holdings


def test_confirm_links_the_site_and_keeps_the_string_as_an_alias(world, queued):
    review = review_of(NEAR)
    ruijin = Hospital.objects.get(name_en=RUIJIN)
    holding_id = review.holding_id
    assert holding_id is not None
    done = services.review_confirm(
        review_id=review.pk, hospital_id=ruijin.pk, expected_version=review.version, user=world.staff
    )
    assert (done.status, done.resolved_hospital, done.resolved_by) == ("confirmed", ruijin, world.staff)
    legend2 = Study.objects.get(team=world.phoenix, nct_id="NCT03090659")
    assert legend2.sites.filter(hospital=ruijin).exists()
    assert not Hospital.objects.filter(pk=holding_id).exists()
    assert Hospital.history.filter(id=holding_id, history_type="-").exists()  # the removal is in the history
    assert ruijin.aliases.filter(text=NEAR, kind="english").exists()
    # The next import of the string links at once.
    registry_import(team=world.atlas, files=[uncertain_search_file()], user=world.outsider)
    atlas_legend2 = Study.objects.get(team=world.atlas, nct_id="NCT03090659")
    assert atlas_legend2.sites.filter(hospital=ruijin).exists()
    assert SiteMatchReview.objects.filter(site_text=NEAR, status="pending").count() == 0


def test_keep_as_new_makes_the_record_canonical(world, queued):
    review = review_of(AMBIGUOUS)
    assert review.holding_id is not None
    done = services.review_create(review_id=review.pk, expected_version=review.version, user=world.staff)
    hospital = Hospital.objects.get(pk=review.holding_id)
    assert done.status == "created" and done.resolved_hospital == hospital and hospital.reviewed


def test_merge_makes_two_records_one_and_the_review_waits_on(world, queued):
    review = review_of(AMBIGUOUS)
    first = Hospital.objects.get(name_en="Peking University First Hospital")
    holding = review.holding
    assert holding is not None
    services.review_merge(
        review_id=review.pk, keep_id=first.pk, remove_id=holding.pk, expected_version=review.version, user=world.staff
    )
    review.refresh_from_db()
    assert review.status == "pending" and review.version == 2 and review.holding == first
    site = StudySite.objects.get(study__nct_id="NCT09990001", study__team=world.phoenix, hospital=first)
    assert site.history.latest().hospital_id == first.pk
    assert first.aliases.filter(text=AMBIGUOUS).exists()  # the removed record's name is one of its names now
    assert not Hospital.objects.filter(pk=holding.pk).exists()


def test_merge_refuses_when_a_study_has_a_site_at_both(world, directory):
    registry_import(team=world.phoenix, files=[uncertain_search_file()], user=world.member)
    review = review_of(AMBIGUOUS)
    assert review.holding is not None
    mayo = Hospital.objects.get(name_en="Mayo Clinic")  # NCT09990001 has a site there too
    with pytest.raises(ValidationError, match="a site at both"):
        services.hospital_merge(
            keep_id=mayo.pk, remove_id=review.holding.pk, user=world.staff, keep_version=None, remove_version=None
        )
    assert Hospital.objects.filter(pk=review.holding.pk).exists()


def test_a_stale_version_and_a_foreign_hospital_are_refused(world, queued):
    review = review_of(AMBIGUOUS)
    first = Hospital.objects.get(name_en="Peking University First Hospital")
    with pytest.raises(StaleEdit):
        services.review_confirm(review_id=review.pk, hospital_id=first.pk, expected_version=99, user=world.staff)
    mayo = Hospital.objects.get(name_en="Mayo Clinic")
    with pytest.raises(ValidationError, match="candidates"):
        services.review_confirm(
            review_id=review.pk, hospital_id=mayo.pk, expected_version=review.version, user=world.staff
        )
    services.review_create(review_id=review.pk, expected_version=review.version, user=world.staff)
    with pytest.raises(ValidationError, match="already been resolved"):
        services.review_create(review_id=review.pk, expected_version=review.version + 1, user=world.staff)


def test_alias_add_ignores_a_name_the_hospital_already_has(directory):
    ruijin = Hospital.objects.get(name_en=RUIJIN)
    before = ruijin.aliases.count()
    assert services.alias_add(hospital=ruijin, text="瑞金醫院", kind="short", user=None) is None  # traditional
    assert services.alias_add(hospital=ruijin, text="  ", kind="short", user=None) is None
    added = services.alias_add(hospital=ruijin, text="Shanghai Ruijin Hospital", kind="english", user=None)
    assert isinstance(added, HospitalAlias) and ruijin.aliases.count() == before + 1
    assert added.history.count() == 1


def test_the_import_result_says_how_many_site_names_wait_for_review(queued):
    lines = [registry_line(file) for file in queued.files]
    waiting = [study["sites"]["sites_to_review"] for line in lines for study in line["studies"]]
    assert sum(waiting) == SiteMatchReview.objects.count() == 2
    assert sorted(waiting) == [0, 1, 1]  # one uncertain string in each of two records, none in the third

"""One team never changes another's answer: the shared hospital directory is curated, a team's own check of a grade
is its fact, and a curated change recomputes every affected asset's findings (by a worker when many) and tells the
teams it affects."""

from __future__ import annotations

import datetime as dt

import pytest

from assets.models import Hospital, StudySite
from assets.services import fact_save
from diligence.models import Finding, Notification, NotificationPreference
from diligence.services import findings as findings_service
from diligence.services import notifications
from diligence.services.findings import findings_recompute
from tests.factories import HospitalFactory, StudySiteFactory
from tests.workers import running_worker, wait_for

D = dt.date
ORDER_818_STUDY = {"study__start_date": D(2026, 6, 1), "study__asset__modality": "car_t"}


def asset_of(site: StudySite) -> int:
    assert site.study.asset_id is not None
    return site.study.asset_id


def code_of(site: StudySite) -> str:
    assert site.study.asset is not None
    return site.study.asset.code


def site_grade_findings(asset_id: int) -> list[Finding]:
    return list(Finding.objects.filter(asset_id=asset_id, rule_id="order818-site-grade", status__in=Finding.ACTIVE))


@pytest.mark.django_db
def test_a_teams_own_grade_check_is_its_fact_and_moves_only_its_findings(world):
    hospital = HospitalFactory(grade="secondary", grade_verified=False, grade_verified_on=None)
    ours = StudySiteFactory(hospital=hospital, study__asset__team=world.phoenix, **ORDER_818_STUDY)
    theirs = StudySiteFactory(hospital=hospital, study__asset__team=world.atlas, **ORDER_818_STUDY)
    for site in (ours, theirs):
        findings_recompute(asset_id=asset_of(site))
        assert [f.kind for f in site_grade_findings(asset_of(site))] == ["unknown"]  # unverified: open item

    ours.verified_grade, ours.grade_verified_on, ours.grade_source = "grade_a_tertiary", D(2026, 7, 1), "NHC list"
    fact_save(instance=ours, user=world.member)  # recomputes phoenix's findings in the same transaction

    assert site_grade_findings(asset_of(ours)) == []  # our verification clears our open item
    assert [f.kind for f in site_grade_findings(asset_of(theirs))] == ["unknown"]  # theirs is untouched
    hospital.refresh_from_db()
    assert not hospital.grade_verified  # the shared directory did not change

    ours.verified_grade = "secondary"
    fact_save(instance=ours, user=world.member)
    assert [(f.kind, f.severity) for f in site_grade_findings(asset_of(ours))] == [("breach", "high")]


@pytest.mark.django_db
def test_a_curated_change_recomputes_every_affected_team_and_tells_them(world):
    hospital = HospitalFactory(grade="secondary", grade_verified=False, grade_verified_on=None)
    ours = StudySiteFactory(hospital=hospital, study__asset__team=world.phoenix, **ORDER_818_STUDY)
    theirs = StudySiteFactory(hospital=hospital, study__asset__team=world.atlas, **ORDER_818_STUDY)
    bystander = StudySiteFactory(study__asset__team=world.atlas, **ORDER_818_STUDY)  # another hospital
    for site in (ours, theirs, bystander):
        findings_recompute(asset_id=asset_of(site))

    hospital.grade, hospital.grade_verified, hospital.grade_verified_on = "grade_a_tertiary", True, D(2026, 11, 1)
    fact_save(instance=hospital, user=world.staff)

    assert site_grade_findings(asset_of(ours)) == site_grade_findings(asset_of(theirs)) == []
    told = Notification.objects.filter(kind=Notification.Kind.SHARED_FACT_CHANGED)
    assert {(n.user.username, n.team.slug) for n in told} == {
        ("member", "phoenix"),
        ("lead", "phoenix"),
        ("partner", "phoenix"),
        ("outsider", "atlas"),
    }
    phoenix_note = told.get(user=world.member).message
    assert hospital.name_en in phoenix_note and "grade Secondary → Grade A tertiary (三级甲等)" in phoenix_note
    assert "grade verified no → yes" in phoenix_note
    assert code_of(ours) in phoenix_note and code_of(theirs) not in phoenix_note  # each its own
    assert code_of(bystander) not in told.get(user=world.outsider).message


@pytest.mark.django_db
def test_the_notice_goes_as_each_person_chose_for_it(world, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(
        user=world.partner, kind=Notification.Kind.SHARED_FACT_CHANGED, delivery=NotificationPreference.Delivery.OFF
    )
    NotificationPreference.objects.create(
        user=world.lead, kind=Notification.Kind.SHARED_FACT_CHANGED, delivery=NotificationPreference.Delivery.DIGEST
    )
    hospital = HospitalFactory(grade="secondary", grade_verified=False, grade_verified_on=None)
    StudySiteFactory(hospital=hospital, study__asset__team=world.phoenix, **ORDER_818_STUDY)

    hospital.grade = "tertiary_other"
    with django_capture_on_commit_callbacks() as emails:
        fact_save(instance=hospital, user=world.staff)

    told = {n.user.username: n.digest for n in Notification.objects.filter(kind=Notification.Kind.SHARED_FACT_CHANGED)}
    assert told == {"member": False, "lead": True}  # the partner turned it off; the lead reads it in the digest
    # The member's email is handed to the queue on commit (alone: the digest mails the lead later).
    assert sum(getattr(c, "func", None) is notifications._enqueue_email for c in emails) == 1


@pytest.mark.django_db
def test_an_edit_that_changes_nothing_tells_no_one(world):
    site = StudySiteFactory(study__asset__team=world.phoenix, **ORDER_818_STUDY)
    fact_save(instance=Hospital.objects.get(pk=site.hospital_id), user=world.staff)
    assert not Notification.objects.filter(kind=Notification.Kind.SHARED_FACT_CHANGED).exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_change_touching_many_assets_is_recomputed_by_a_real_worker(world, monkeypatch):
    monkeypatch.setattr(findings_service, "RECOMPUTE_INLINE_LIMIT", 2)
    hospital = HospitalFactory(grade="secondary", grade_verified=False, grade_verified_on=None)
    sites = [StudySiteFactory(hospital=hospital, study__asset__team=world.phoenix, **ORDER_818_STUDY) for _ in range(3)]
    for site in sites:
        findings_recompute(asset_id=asset_of(site))
        assert len(site_grade_findings(asset_of(site))) == 1

    with running_worker():
        hospital.grade, hospital.grade_verified, hospital.grade_verified_on = "grade_a_tertiary", True, D(2026, 11, 1)
        fact_save(instance=hospital, user=world.staff)
        # More than the inline limit: the request left them to a worker, which recomputes each asset.
        wait_for(
            lambda: all(not site_grade_findings(asset_of(s)) for s in sites),
            timeout=60,
            what="the worker to recompute the affected assets",
        )

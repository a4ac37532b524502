from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assets.models import Asset, Hospital, Study, StudySite
from assets.services import StaleEdit, asset_id_of, fact_delete, fact_save, hospital_get_or_create, team_id_of
from assets.signals import facts_batch, facts_changed
from tests.factories import AssetFactory, EthicsApprovalFactory, MilestoneFactory, StudyFactory, StudySiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signals():
    received: list[dict] = []

    def receiver(sender, **kwargs):
        received.append({"sender": sender, **kwargs})

    facts_changed.connect(receiver)
    yield received
    facts_changed.disconnect(receiver)


def test_create_validates_records_history_and_announces(world, signals):
    asset = fact_save(instance=Asset(team=world.phoenix, code="X-1", name="X", modality="car_t"), user=world.member)
    assert asset.version == 1
    record = asset.history.get()
    assert (record.history_type, record.history_user) == ("+", world.member)
    assert signals == [{"sender": Asset, "signal": facts_changed, "team_id": world.phoenix.pk, "asset_ids": {asset.pk}}]


def test_update_bumps_the_version_and_records_who(world):
    asset = AssetFactory(team=world.phoenix)
    asset.name = "Renamed"
    saved = fact_save(instance=asset, user=world.lead, expected_version=1)
    assert saved.version == 2
    assert Asset.objects.get(pk=asset.pk).name == "Renamed"
    assert asset.history.latest().history_user == world.lead


def test_a_stale_save_is_refused_and_the_newer_values_are_kept(world):
    asset = AssetFactory(team=world.phoenix, name="Original")
    first_reader = Asset.objects.get(pk=asset.pk)
    second_reader = Asset.objects.get(pk=asset.pk)
    first_reader.name = "First"
    fact_save(instance=first_reader, user=world.member, expected_version=1)
    second_reader.name = "Second"
    with pytest.raises(StaleEdit) as refused:
        fact_save(instance=second_reader, user=world.lead, expected_version=1)
    assert refused.value.current.name == "First"
    assert refused.value.current.version == 2
    assert Asset.objects.get(pk=asset.pk).name == "First"


def test_a_stale_delete_is_refused(world):
    asset = AssetFactory(team=world.phoenix)
    edited = Asset.objects.get(pk=asset.pk)
    edited.target = "CD19"
    fact_save(instance=edited, user=world.member, expected_version=1)
    with pytest.raises(StaleEdit):
        fact_delete(instance=asset, user=world.lead, expected_version=1)
    assert Asset.objects.filter(pk=asset.pk).exists()


def test_delete_records_history_and_announces_the_asset(world, signals):
    site = StudySiteFactory(study__asset__team=world.phoenix)
    fact_delete(instance=site, user=world.member, expected_version=site.version)
    assert not StudySite.objects.filter(pk=site.pk).exists()
    assert StudySite.history.filter(id=site.pk, history_type="-").get().history_user == world.member
    assert signals[-1]["asset_ids"] == {site.study.asset_id}


def test_validation_errors_name_the_field_and_nothing_is_written(world):
    study = StudyFactory(asset__team=world.phoenix)
    study.start_date = dt.date(2024, 5, 1)
    study.completion_date = dt.date(2024, 4, 1)
    with pytest.raises(ValidationError) as refused:
        fact_save(instance=study, user=world.member, expected_version=study.version)
    assert "completion_date" in refused.value.message_dict
    assert Study.objects.get(pk=study.pk).completion_date is None


def test_duplicate_asset_code_in_the_same_team_is_a_validation_error(world):
    AssetFactory(team=world.phoenix, code="DUP")
    with pytest.raises(ValidationError):
        fact_save(instance=Asset(team=world.phoenix, code="DUP", name="Again", modality="car_t"), user=world.member)
    fact_save(instance=Asset(team=world.atlas, code="DUP", name="Other team", modality="car_t"), user=world.outsider)


def test_negative_money_is_refused(world):
    milestone = MilestoneFactory(deal__asset__team=world.phoenix)
    milestone.amount = Decimal("-1.00")
    with pytest.raises(ValidationError) as refused:
        fact_save(instance=milestone, user=world.member)
    assert "amount" in refused.value.message_dict


def test_team_and_asset_are_followed_from_any_fact(world):
    approval = EthicsApprovalFactory(study_site__study__asset__team=world.phoenix)
    assert team_id_of(approval) == world.phoenix.pk
    assert asset_id_of(approval) == approval.study_site.study.asset_id
    asset = approval.study_site.study.asset
    assert asset is not None and asset_id_of(asset) == asset.pk


def test_moving_a_study_to_another_asset_announces_both(world, signals):
    study = StudyFactory(asset__team=world.phoenix)
    old_asset = study.asset
    assert old_asset is not None
    new_asset = AssetFactory(team=world.phoenix)
    study.asset = new_asset
    fact_save(instance=study, user=world.member, expected_version=1)
    assert signals[-1]["asset_ids"] == {old_asset.pk, new_asset.pk}


def test_hospitals_are_matched_by_normalised_name_and_city_never_duplicated(world):
    first, created = hospital_get_or_create(
        name_en="The Second Affiliated Hospital of Xi'an Jiaotong University",
        city="Xi'an",
        user=world.member,
        name_zh="西安交通大学第二附属医院",
        grade="grade_a_tertiary",
    )
    assert created
    again, created_again = hospital_get_or_create(
        name_en="second affiliated hospital of xi'an jiaotong  university", city="XI'AN", user=world.outsider
    )
    assert (again, created_again) == (first, False)
    other_city, created_other = hospital_get_or_create(
        name_en="Second Affiliated Hospital of Xi'an Jiaotong University", city="Shanghai", user=world.member
    )
    assert created_other and other_city != first
    assert Hospital.objects.count() == 2


def test_hospital_needs_a_name(world):
    with pytest.raises(ValidationError):
        hospital_get_or_create(name_en="  ", city="Shanghai", user=world.member)


def test_a_study_cannot_point_at_another_teams_asset(world):
    atlas_asset = AssetFactory(team=world.atlas)
    with pytest.raises(ValidationError) as refused:
        fact_save(
            instance=Study(team=world.phoenix, asset=atlas_asset, title="Crossing the barrier"), user=world.member
        )
    assert "asset" in refused.value.message_dict


def test_a_batch_sends_one_signal_per_team_at_its_end(world, signals):
    with facts_batch():
        first = fact_save(instance=Asset(team=world.phoenix, code="B-1", name="B1", modality="car_t"), user=None)
        second = fact_save(instance=Asset(team=world.phoenix, code="B-2", name="B2", modality="car_t"), user=None)
        with facts_batch():  # nested: joins the outer batch
            fact_save(instance=Asset(team=world.atlas, code="B-3", name="B3", modality="car_t"), user=None)
        assert signals == []
    by_team = {s["team_id"]: s["asset_ids"] for s in signals}
    assert len(signals) == 2
    assert by_team[world.phoenix.pk] == {first.pk, second.pk}


def test_a_failed_batch_sends_nothing(world, signals):
    with pytest.raises(RuntimeError), facts_batch():
        fact_save(instance=Asset(team=world.phoenix, code="B-9", name="B9", modality="car_t"), user=None)
        raise RuntimeError("import failed")
    assert signals == []

"""Database constraints hold whatever writes: they are the last line behind the services' validation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from assets.models import Asset, Hospital, RoyaltyTier, Study
from assets.models.common import format_partial_date
from assets.models.hospitals import normalise_name
from tests.factories import (
    AssetFactory,
    DealTermsFactory,
    HGRFilingFactory,
    HospitalFactory,
    INDApplicationFactory,
    MilestoneFactory,
    NHCFilingFactory,
    StudyFactory,
    StudySiteFactory,
)

pytestmark = pytest.mark.django_db


def refused(factory, **kwargs):
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**kwargs)


def test_asset_code_is_unique_within_a_team_only(world):
    AssetFactory(team=world.phoenix, code="A-1")
    refused(AssetFactory, team=world.phoenix, code="A-1")
    AssetFactory(team=world.atlas, code="A-1")


def test_asset_modality_must_be_known(world):
    refused(AssetFactory, team=world.phoenix, modality="magic")


def test_registry_ids_unique_per_team_and_well_formed(world):
    StudyFactory(asset__team=world.phoenix, nct_id="NCT03090659")
    refused(StudyFactory, asset__team=world.phoenix, nct_id="NCT03090659")
    StudyFactory(asset__team=world.atlas, nct_id="NCT03090659")
    refused(StudyFactory, asset__team=world.phoenix, nct_id="NCT123")
    StudyFactory(asset__team=world.phoenix, nct_id="")
    StudyFactory(asset__team=world.phoenix, nct_id="")  # several studies without an NCT id are fine


@pytest.mark.parametrize(
    ("factory", "kwargs"),
    [
        (StudyFactory, {"start_date": dt.date(2024, 5, 1), "completion_date": dt.date(2024, 4, 30)}),
        (StudySiteFactory, {"activation_date": dt.date(2024, 5, 1), "first_enrolled_on": dt.date(2024, 4, 30)}),
        (HGRFilingFactory, {"submitted_on": dt.date(2024, 5, 1), "decided_on": dt.date(2024, 4, 30)}),
        (NHCFilingFactory, {"ethics_approved_on": dt.date(2026, 10, 1), "filed_on": dt.date(2026, 9, 30)}),
        (INDApplicationFactory, {"submitted_on": dt.date(2026, 3, 2), "cleared_on": dt.date(2026, 3, 1)}),
        (INDApplicationFactory, {"cleared_on": dt.date(2026, 4, 10), "first_dose_on": dt.date(2026, 4, 9)}),
    ],
)
def test_dates_in_order(factory, kwargs):
    refused(factory, **kwargs)


def test_same_day_is_in_order():
    HGRFilingFactory(submitted_on=dt.date(2024, 5, 1), decided_on=dt.date(2024, 5, 1))


def test_money_is_never_negative():
    refused(DealTermsFactory, upfront=Decimal("-0.01"))
    refused(MilestoneFactory, amount=Decimal("-5"))


def test_royalty_rate_between_0_and_100_and_thresholds_unique_per_deal():
    deal = DealTermsFactory()
    RoyaltyTier.objects.create(deal=deal, annual_net_sales_from=Decimal("0"), rate_percent=Decimal("8"))
    with pytest.raises(IntegrityError), transaction.atomic():
        RoyaltyTier.objects.create(deal=deal, annual_net_sales_from=Decimal("0"), rate_percent=Decimal("10"))
    with pytest.raises(IntegrityError), transaction.atomic():
        RoyaltyTier.objects.create(deal=deal, annual_net_sales_from=Decimal("1"), rate_percent=Decimal("100.5"))


def test_one_site_per_hospital_per_study():
    site = StudySiteFactory()
    refused(StudySiteFactory, study=site.study, hospital=site.hospital)


def test_hospitals_unique_by_normalised_name_and_city():
    HospitalFactory(name_en="Ruijin Hospital", city="Shanghai")
    refused(HospitalFactory, name_en="ruijin  hospital", city="SHANGHAI")
    HospitalFactory(name_en="Ruijin Hospital", city="Wuxi")


def test_a_verified_grade_needs_its_date():
    refused(HospitalFactory, grade_verified=True, grade_verified_on=None)


def test_normalise_name_folds_case_width_punctuation_and_a_leading_the():
    assert normalise_name("The Second Affiliated Hospital of Xi'an Jiaotong University") == normalise_name(
        "second  affiliated hospital of xi an jiaotong university"
    )
    assert normalise_name("ＲＵＩＪＩＮ") == "ruijin"  # full-width letters
    assert normalise_name("西安交通大学第二附属医院") == "西安交通大学第二附属医院"


def test_order_818_scope_is_derived_from_modality_and_overridable(world):
    car_t = AssetFactory(team=world.phoenix, modality="car_t")
    antibody = AssetFactory(team=world.phoenix, modality="antibody")
    assert (car_t.in_order818_scope, antibody.in_order818_scope) == (True, False)
    antibody.order818_scope_override = True
    car_t.order818_scope_override = False
    assert (car_t.in_order818_scope, antibody.in_order818_scope) == (False, True)
    assert set(Asset.NEW_BIOMEDICAL_TECHNOLOGY) == {
        "car_t",
        "tcr_t",
        "gene_therapy",
        "gene_editing",
        "stem_cell",
        "tissue_engineered",
    }


def test_partial_dates_keep_their_precision():
    study = StudyFactory(start_date=dt.date(2010, 5, 1), start_date_precision="month")
    assert Study.objects.get(pk=study.pk).start_display == "2010-05"
    assert format_partial_date(dt.date(2010, 1, 1), "year") == "2010"
    assert format_partial_date(None, "day") == ""


def test_deal_value_and_upfront_share_are_decimal():
    deal = DealTermsFactory(upfront=Decimal("150000000.00"))
    MilestoneFactory(deal=deal, amount=Decimal("350000000.00"))
    MilestoneFactory(deal=deal, amount=Decimal("500000000.00"))
    assert deal.total_value() == Decimal("1000000000.00")
    assert deal.upfront_share() == Decimal("0.15")


def test_hospital_grade_a_tertiary_counts_only_when_verified():
    assert HospitalFactory(grade="grade_a_tertiary", grade_verified=True).is_verified_grade_a_tertiary
    unverified = HospitalFactory(grade="grade_a_tertiary", grade_verified=False, grade_verified_on=None)
    assert not unverified.is_verified_grade_a_tertiary
    assert Hospital.Grade.GRADE_A_TERTIARY.label == "Grade A tertiary (三级甲等)"


def test_ind_clearance_not_before_acceptance():
    refused(INDApplicationFactory, accepted_on=dt.date(2026, 3, 10), cleared_on=dt.date(2026, 3, 9))


def test_company_names_are_unique_per_team_whatever_their_case(world):
    from tests.factories import CompanyFactory

    CompanyFactory(team=world.phoenix, name="Legend Biotech")
    refused(CompanyFactory, team=world.phoenix, name="LEGEND BIOTECH")
    CompanyFactory(team=world.atlas, name="LEGEND BIOTECH")


def test_a_partial_date_is_stored_as_the_first_day_of_what_is_known(world):
    from assets.services import fact_save

    study = StudyFactory(asset__team=world.phoenix)
    study.start_date, study.start_date_precision = dt.date(2016, 3, 15), "month"
    study.completion_date, study.completion_date_precision = dt.date(2019, 7, 9), "year"
    fact_save(instance=study, user=None)
    study.refresh_from_db()
    assert (study.start_date, study.completion_date) == (dt.date(2016, 3, 1), dt.date(2019, 1, 1))

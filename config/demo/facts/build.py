"""Write demo asset specs as facts, every object through the fact services (validated, in history)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from assets.models import (
    Asset,
    Company,
    DealTerms,
    EfficacyClaim,
    EthicsApproval,
    EvidenceQuality,
    HGRFiling,
    INDApplication,
    Milestone,
    NHCFiling,
    RegistrationPlan,
    Study,
    StudySite,
)
from assets.models.common import VersionedFact
from assets.services import fact_save, hospital_get_or_create
from assets.signals import facts_batch
from config.demo.facts.specs import AssetSpec, CompanySpec, DealSpec, SiteSpec, StudySpec

if TYPE_CHECKING:
    from teams.models import DealTeam, User


def _save[F: VersionedFact](instance: F, user: User | None) -> F:
    return fact_save(instance=instance, user=user)


@transaction.atomic
def asset_seed(*, team: DealTeam, spec: AssetSpec, user: User | None) -> Asset | None:
    """Create the asset and all its facts; None (and no writes) when the team already has an asset with the code."""
    if Asset.objects.filter(team=team, code=spec.code).exists():
        return None
    with facts_batch():  # one change signal for the whole asset, not one per fact
        return _asset_seed(team=team, spec=spec, user=user)


def _asset_seed(*, team: DealTeam, spec: AssetSpec, user: User | None) -> Asset:
    originator = company_get_or_seed(team=team, spec=spec.originator, user=user)
    asset = _save(Asset(team=team, code=spec.code, originator=originator, is_illustrative=True, **spec.facts), user)
    for study in spec.studies:
        study_seed(asset=asset, spec=study, user=user)
    for ind in spec.ind_applications:
        _save(INDApplication(asset=asset, **ind), user)
    if spec.deal is not None:
        deal_seed(asset=asset, spec=spec.deal, user=user)
    if spec.registration_plan is not None:
        _save(RegistrationPlan(asset=asset, **spec.registration_plan), user)
    return asset


def company_get_or_seed(*, team: DealTeam, spec: CompanySpec, user: User | None) -> Company:
    existing = Company.objects.filter(team=team, name=spec.name).first()
    if existing is not None:
        return existing
    return _save(Company(team=team, name=spec.name, country=spec.country, kind=spec.kind), user)


def study_seed(*, asset: Asset, spec: StudySpec, user: User | None) -> Study:
    study = _save(Study(team=asset.team, asset=asset, **spec.facts), user)
    for site in spec.sites:
        site_seed(study=study, spec=site, user=user)
    if spec.evidence is not None:
        _save(EvidenceQuality(study=study, **spec.evidence), user)
    for claim in spec.efficacy_claims:
        _save(EfficacyClaim(study=study, **claim), user)
    for hgr in spec.hgr_filings:
        _save(HGRFiling(study=study, **hgr), user)
    for nhc in spec.nhc_filings:
        _save(NHCFiling(study=study, **nhc), user)
    return study


def site_seed(*, study: Study, spec: SiteSpec, user: User | None) -> StudySite:
    hospital, _created = hospital_get_or_create(
        name_en=spec.hospital.name_en, city=spec.hospital.city, user=user, **spec.hospital.facts
    )
    site = _save(StudySite(study=study, hospital=hospital, **spec.facts), user)
    for ethics in spec.ethics:
        facts = {"committee": f"Ethics committee, {hospital.name_en}", **ethics}
        _save(EthicsApproval(study_site=site, **facts), user)
    return site


def deal_seed(*, asset: Asset, spec: DealSpec, user: User | None) -> DealTerms:
    deal = _save(DealTerms(asset=asset, **spec.facts), user)
    for milestone in spec.milestones:
        _save(Milestone(deal=deal, **milestone), user)
    return deal

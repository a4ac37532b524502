"""Everything the rules read about one asset, loaded in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from assets.models import (
    Asset,
    DealTerms,
    EvidenceQuality,
    INDApplication,
    RegistrationPlan,
    Study,
    StudyRegistrationLink,
    StudySite,
)
from diligence.models import HousePolicy

CHINA = frozenset({"china", "cn", "prc", "people's republic of china"})
NHC_TRACK, NMPA_TRACK, UNKNOWN_TRACK = Study.Track.NHC.value, Study.Track.NMPA.value, "unknown"


@dataclass
class AssetFacts:
    asset: Asset
    studies: list[Study]
    inds: list[INDApplication]
    deal: DealTerms | None
    plan: RegistrationPlan | None
    today: dt.date
    policy: HousePolicy = field(default_factory=HousePolicy)
    # Linked registrations of the asset's studies (either side on the asset), with both studies and their sites.
    registration_links: list[StudyRegistrationLink] = field(default_factory=list)

    def sites(self) -> Iterator[tuple[Study, StudySite]]:
        for study in self.studies:
            for site in study.sites.all():
                yield study, site

    def evidence(self, study: Study) -> EvidenceQuality | None:
        try:
            return study.evidence
        except Study.evidence.RelatedObjectDoesNotExist:
            return None

    @property
    def iit_studies(self) -> list[Study]:
        return [s for s in self.studies if s.is_investigator_initiated]

    @property
    def evidence_is_iit_only(self) -> bool:
        return bool(self.studies) and all(s.is_investigator_initiated for s in self.studies)

    def track(self, study: Study) -> tuple[str, str]:
        """(NHC_TRACK, NMPA_TRACK or UNKNOWN_TRACK, the reason): the track the team recorded, with what it rests on;
        otherwise derived from the study's sponsor type and the asset's NMPA INDs. Order 818 governs the NHC track; a
        registration trial under an IND is the NMPA track's."""
        if study.track:
            return study.track, f"recorded as the {study.get_track_display()}: {study.track_reason}"
        if study.is_investigator_initiated or study.sponsor_type == study.SponsorType.COOPERATIVE:
            return NHC_TRACK, f"{study.get_sponsor_type_display().lower()}: the NHC track"
        if study.sponsor_type == study.SponsorType.INDUSTRY:
            if any(ind.authority == INDApplication.Authority.NMPA for ind in self.inds):
                return NMPA_TRACK, "industry-sponsored, with an NMPA IND on record: a registration trial (NMPA track)"
            return UNKNOWN_TRACK, (
                "industry-sponsored with no NMPA IND on record: a registration trial, or a company-initiated study "
                "under Order 818"
            )
        return UNKNOWN_TRACK, "sponsor type not known"

    @staticmethod
    def in_china(country: str) -> bool:
        return country.strip().lower() in CHINA

    def countries_of(self, study: Study) -> set[str]:
        """The study's site countries (or, without sites, its listed countries), lower-cased."""
        countries = {site.hospital.country.strip().lower() for site in study.sites.all()}
        return countries or {c.strip().lower() for c in study.countries if c.strip()}

    def may_be_in_china(self, study: Study) -> bool:
        """A site in China, or no country known at all (then China cannot be ruled out)."""
        countries = self.countries_of(study)
        return not countries or bool(countries & CHINA)

    def has_ex_china_site(self, study: Study) -> bool:
        return bool(self.countries_of(study) - CHINA)

    @property
    def all_sites_in_china(self) -> bool:
        """Every site (or, without sites, every listed country) is in China."""
        countries = {site.hospital.country.strip().lower() for _study, site in self.sites()}
        if not countries:
            countries = {c.strip().lower() for s in self.studies for c in s.countries}
        return bool(countries) and countries <= CHINA


def load_asset_facts(*, asset_id: int, today: dt.date) -> AssetFacts | None:
    asset = Asset.objects.filter(pk=asset_id).select_related("team").first()
    if asset is None:
        return None
    sites = StudySite.objects.select_related("hospital").prefetch_related("ethics_approvals").order_by("pk")
    studies = list(
        Study.objects.filter(asset=asset)
        .select_related("evidence")
        .prefetch_related(Prefetch("sites", queryset=sites), "hgr_filings", "nhc_filings", "efficacy_claims")
        .order_by("pk")
    )
    deal = DealTerms.objects.filter(asset=asset).prefetch_related("milestones").first()
    linked_sites = StudySite.objects.select_related("hospital").order_by("pk")
    links = (
        StudyRegistrationLink.objects.filter(Q(first__asset=asset) | Q(second__asset=asset))
        .filter(status=StudyRegistrationLink.Status.LINKED)
        .select_related("first", "second")
        .prefetch_related(
            Prefetch("first__sites", queryset=linked_sites), Prefetch("second__sites", queryset=linked_sites)
        )
        .order_by("pk")
    )
    return AssetFacts(
        asset=asset,
        studies=studies,
        inds=list(asset.ind_applications.order_by("pk")),
        deal=deal,
        plan=RegistrationPlan.objects.filter(asset=asset).first(),
        today=today,
        policy=HousePolicy.current(),
        registration_links=list(links),
    )

"""The kinds of fact edited inline under an asset: model, form, parent, the tab that lists it, how it is saved.

One table drives the URLs, the generic create / edit / delete / history views and the URL walk, so a new kind
of fact gets all of them, access checks included, by adding one row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assets import forms, services
from assets.models import (
    Asset,
    DealTerms,
    EfficacyClaim,
    EthicsApproval,
    EvidenceQuality,
    HGRFiling,
    INDApplication,
    Milestone,
    NHCFiling,
    RegistrationPlan,
    RoyaltyTier,
    Study,
    StudySite,
)
from assets.models.common import VersionedFact

if TYPE_CHECKING:
    from teams.models import User


def save_plain(form: forms.FactForm, user: User) -> VersionedFact:
    return services.fact_save(instance=form.instance, user=user, expected_version=form.expected_version)


def save_study(form: forms.FactForm, user: User) -> VersionedFact:
    return services.study_save(
        study=form.instance,
        funding_company_name=form.cleaned_data["funding_company_name"],
        user=user,
        expected_version=form.expected_version,
    )


def save_site(form: forms.StudySiteForm, user: User) -> VersionedFact:
    return services.study_site_save(
        site=form.instance, hospital=form.hospital_facts(), user=user, expected_version=form.expected_version
    )


@dataclass(frozen=True)
class FactKind[Form: forms.FactForm]:
    slug: str  # URL names (``site_edit``) and the id parameter (``site_id``)
    plural: str  # URL segment
    model: type[VersionedFact]
    form: type[Form]
    tab: str  # the asset page tab that lists it
    parent: str  # slug of the parent: "asset", "study", "site" or "deal"
    save: Callable[[Form, User], VersionedFact] = save_plain
    singular: bool = False  # one per parent: "new" edits the existing one

    @property
    def verbose_name(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def parent_model(self) -> type[VersionedFact]:
        return PARENT_MODELS[self.parent]

    @property
    def parent_field(self) -> str:
        return {"site": "study_site"}.get(self.parent, self.parent)

    def build(self, parent: VersionedFact) -> VersionedFact:
        """A new, unsaved fact under ``parent``."""
        instance = self.model(**{self.parent_field: parent})
        if isinstance(instance, Study) and isinstance(parent, Asset):
            instance.team_id = parent.team_id
            instance.source = Study.Source.ENTERED
        return instance

    def existing(self, parent: VersionedFact) -> VersionedFact | None:
        """For a singular kind, the one that already exists under ``parent``."""
        return self.model._default_manager.filter(**{self.parent_field: parent}).first() if self.singular else None


PARENT_MODELS: dict[str, type[VersionedFact]] = {"asset": Asset, "study": Study, "site": StudySite, "deal": DealTerms}
PARENT_PLURALS = {"asset": "assets", "study": "studies", "site": "sites", "deal": "deal-terms"}

KINDS: list[FactKind[Any]] = [
    FactKind("study", "studies", Study, forms.StudyForm, "studies", "asset", save=save_study),
    FactKind("claim", "claims", EfficacyClaim, forms.EfficacyClaimForm, "studies", "study"),
    FactKind("evidence", "evidence", EvidenceQuality, forms.EvidenceQualityForm, "studies", "study", singular=True),
    FactKind("site", "sites", StudySite, forms.StudySiteForm, "sites", "study", save=save_site),
    FactKind("ethics", "ethics", EthicsApproval, forms.EthicsApprovalForm, "ethics", "site"),
    FactKind("hgr", "hgr-filings", HGRFiling, forms.HGRFilingForm, "hgr", "study"),
    FactKind("nhc", "nhc-filings", NHCFiling, forms.NHCFilingForm, "filings", "study"),
    FactKind("ind", "ind-applications", INDApplication, forms.INDApplicationForm, "ind", "asset"),
    FactKind("deal", "deal-terms", DealTerms, forms.DealTermsForm, "deal", "asset", singular=True),
    FactKind("milestone", "milestones", Milestone, forms.MilestoneForm, "deal", "deal"),
    FactKind("royalty", "royalty-tiers", RoyaltyTier, forms.RoyaltyTierForm, "deal", "deal"),
    FactKind("plan", "plans", RegistrationPlan, forms.RegistrationPlanForm, "deal", "asset", singular=True),
]
KINDS_BY_SLUG = {kind.slug: kind for kind in KINDS}

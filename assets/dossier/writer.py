"""The model pass of an import: each object built from the document, validated by its model, written by fact_save.

The pass keeps going after a refusal so one attempt reports every problem: an object whose parent could not be
written is still checked by its model (without the parent), and the caller rolls the whole transaction back.
Values the schema already refused never reach a model, so a bad value is reported once, by the schema.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models

from assets.dossier.errors import DossierProblem
from assets.dossier.fields import FIELDS, SKIP, document_keys, from_document
from assets.models import (
    Asset,
    Company,
    DealTerms,
    EfficacyClaim,
    EthicsApproval,
    EvidenceQuality,
    HGRFiling,
    Hospital,
    INDApplication,
    Milestone,
    NHCFiling,
    RegistrationPlan,
    RoyaltyTier,
    Study,
    StudySite,
)
from assets.models.common import VersionedFact
from assets.services import fact_delete, fact_save, hospital_get_or_create

if TYPE_CHECKING:
    from teams.models import DealTeam, User

# What the summary counts for each kind of object written.
COUNTED: dict[type[models.Model], str] = {
    Company: "companies_created",
    Study: "studies",
    EfficacyClaim: "efficacy_claims",
    EvidenceQuality: "evidence",
    StudySite: "sites",
    EthicsApproval: "ethics_approvals",
    HGRFiling: "hgr_filings",
    NHCFiling: "nhc_filings",
    INDApplication: "ind_applications",
    DealTerms: "deal_terms",
    Milestone: "milestones",
    RoyaltyTier: "royalty_tiers",
    RegistrationPlan: "registration_plan",
}


@dataclass
class DossierWriter:
    """Writes one document for one team; ``skip`` holds the paths of values the schema refused."""

    team: DealTeam
    user: User | None
    skip: frozenset[str]
    problems: list[DossierProblem] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def write(self, document: dict[str, Any]) -> tuple[Asset, bool]:
        """The asset (created or updated in place) and whether it is new; children replace the old ones."""
        companies = self._companies(document.get("companies"))
        asset, created, saved = self._asset(_object(document.get("asset")), companies)
        if saved and not created:
            self._clear(asset)
        for index, study in _items(document.get("studies")):
            self._study(study, f"$.studies[{index}]", asset=asset, asset_saved=saved, companies=companies)
        self._children(INDApplication, document.get("ind_applications"), "$", "ind_applications", saved, asset=asset)
        if isinstance(deal := document.get("deal_terms"), dict):
            self._deal(deal, asset=asset, asset_saved=saved)
        if isinstance(plan := document.get("registration_plan"), dict):
            path = "$.registration_plan"
            self._persist(self._build(RegistrationPlan, plan, path, asset=asset), path, parent_saved=saved)
        return asset, created

    def _companies(self, documents: object) -> dict[str, Company | None]:
        """Matched by name within the team (case ignored), created if missing; an existing one is left as it is."""
        found: dict[str, Company | None] = {}
        for index, document in _items(documents):
            path = f"$.companies[{index}]"
            name = document.get("name")
            if not isinstance(name, str) or f"{path}.name" in self.skip:
                continue
            existing = Company.objects.filter(team=self.team, name__iexact=name).first()
            if existing is not None:
                self.counts["companies_matched"] += 1
                found[name] = existing
                continue
            company = self._build(Company, document, path, team=self.team)
            found[name] = company if self._persist(company, path, parent_saved=True) else None
        return found

    def _asset(self, document: dict[str, Any], companies: dict[str, Company | None]) -> tuple[Asset, bool, bool]:
        code = document.get("code")
        existing = None
        if isinstance(code, str) and code:
            existing = Asset.objects.select_for_update().filter(team=self.team, code=code).first()
        asset = existing or Asset(team=self.team)
        self._assign(asset, document, "$.asset")
        asset.originator = _company(companies, document.get("originator"))
        saved = self._persist(asset, "$.asset", parent_saved=True)
        return asset, existing is None, saved

    def _clear(self, asset: Asset) -> None:
        """The document is the whole truth about the asset: its old children go (in this transaction) first."""
        old: list[VersionedFact] = [
            *asset.studies.all(),
            *asset.ind_applications.all(),
            *DealTerms.objects.filter(asset=asset),
            *RegistrationPlan.objects.filter(asset=asset),
        ]
        for child in old:
            fact_delete(instance=child, user=self.user)

    def _study(
        self,
        document: dict[str, Any],
        path: str,
        *,
        asset: Asset,
        asset_saved: bool,
        companies: dict[str, Company | None],
    ) -> None:
        study = self._build(Study, document, path, team=self.team, asset=asset)
        study.funding_company = _company(companies, document.get("funding_company"))
        saved = self._persist(study, path, parent_saved=asset_saved)
        self._children(EfficacyClaim, document.get("efficacy_claims"), path, "efficacy_claims", saved, study=study)
        if isinstance(evidence := document.get("evidence"), dict):
            where = f"{path}.evidence"
            self._persist(self._build(EvidenceQuality, evidence, where, study=study), where, parent_saved=saved)
        for index, site in _items(document.get("sites")):
            self._site(site, f"{path}.sites[{index}]", study=study, study_saved=saved)
        self._children(HGRFiling, document.get("hgr_filings"), path, "hgr_filings", saved, study=study)
        self._children(NHCFiling, document.get("nhc_filings"), path, "nhc_filings", saved, study=study)

    def _site(self, document: dict[str, Any], path: str, *, study: Study, study_saved: bool) -> None:
        hospital = self._hospital(_object(document.get("hospital")), f"{path}.hospital")
        site = self._build(StudySite, document, path, study=study)
        if hospital is not None:
            site.hospital = hospital
        saved = self._persist(site, path, parent_saved=study_saved and hospital is not None)
        approvals = document.get("ethics_approvals")
        self._children(EthicsApproval, approvals, path, "ethics_approvals", saved, study_site=site)

    def _hospital(self, document: dict[str, Any], path: str) -> Hospital | None:
        """Matched by name and city in the shared directory; the document's facts are used only for a new entry."""
        facts = self._present(Hospital, document, path)
        name_en, city = facts.pop("name_en", ""), facts.pop("city", "")
        try:
            hospital, created = hospital_get_or_create(name_en=name_en, city=city, user=self.user, **facts)
        except ValidationError as error:
            self._report(error, path, Hospital)
            return None
        except IntegrityError as error:
            self.problems.append(DossierProblem(path, f"the database refused this hospital: {error}"))
            return None
        self.counts["hospitals_created" if created else "hospitals_matched"] += 1
        return hospital

    def _deal(self, document: dict[str, Any], *, asset: Asset, asset_saved: bool) -> None:
        path = "$.deal_terms"
        deal = self._build(DealTerms, document, path, asset=asset)
        saved = self._persist(deal, path, parent_saved=asset_saved)
        self._children(Milestone, document.get("milestones"), path, "milestones", saved, deal=deal)
        self._children(RoyaltyTier, document.get("royalty_tiers"), path, "royalty_tiers", saved, deal=deal)

    def _children(
        self, model: type[VersionedFact], documents: object, parent: str, key: str, parent_saved: bool, **links: Any
    ) -> None:
        for index, document in _items(documents):
            path = f"{parent}.{key}[{index}]"
            self._persist(self._build(model, document, path, **links), path, parent_saved=parent_saved)

    def _build[F: VersionedFact](self, model: type[F], document: dict[str, Any], path: str, **links: Any) -> F:
        instance = model(**links)
        self._assign(instance, document, path)
        return instance

    def _assign(self, instance: models.Model, document: dict[str, Any], path: str) -> None:
        """Every field from the document; an absent (or refused) one gets the model's default, as on a new row."""
        model = type(instance)
        present = self._present(model, document, path)
        for name in FIELDS[model]:
            if name in present:
                setattr(instance, name, present[name])
            else:  # FIELDS names the model's own fields, never a reverse relation
                setattr(instance, name, cast(models.Field, model._meta.get_field(name)).get_default())

    def _present(self, model: type[models.Model], document: dict[str, Any], path: str) -> dict[str, Any]:
        """The document's values for the model's fields, leaving out those the schema refused."""
        values = {}
        for name in FIELDS[model]:
            if name in document and f"{path}.{name}" not in self.skip:
                value = from_document(model, name, document[name])
                if value is not SKIP:
                    values[name] = value
        return values

    def _persist(self, instance: VersionedFact, path: str, *, parent_saved: bool) -> bool:
        """Write through fact_save (validation and history); without a written parent, only validate."""
        if not parent_saved:
            self._check(instance, path)
            return False
        try:
            fact_save(instance=instance, user=self.user)
        except ValidationError as error:
            self._report(error, path, type(instance))
            return False
        except IntegrityError as error:
            self.problems.append(DossierProblem(path, f"the database refused this object: {error}"))
            return False
        if counted := COUNTED.get(type(instance)):
            self.counts[counted] += 1
        return True

    def _check(self, instance: models.Model, path: str) -> None:
        """The model's own rules, leaving out links to parents that were never written (reported elsewhere)."""
        links = [f.name for f in instance._meta.fields if f.is_relation]
        try:
            instance.full_clean(exclude=links, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            self._report(error, path, type(instance))

    def _report(self, error: ValidationError, path: str, model: type[models.Model]) -> None:
        """Django's field names become JSON paths under the object; anything else is reported at the object."""
        keys = set(document_keys(model))
        messages = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        for name, texts in messages.items():
            where = f"{path}.{name}" if name in keys else path
            if not self._refused_by_schema(where):
                self.problems.extend(DossierProblem(where, text) for text in texts)

    def _refused_by_schema(self, path: str) -> bool:
        """The schema already spoke about this value or an object holding it (e.g. a missing ``$.asset``)."""
        ends = [index for index, char in enumerate(path) if char in ".["]
        return any(prefix in self.skip for prefix in [path, *(path[:end] for end in ends)])


def _items(value: object) -> list[tuple[int, dict[str, Any]]]:
    """The objects of a document list with their indexes; anything else the schema has already reported."""
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, dict)]


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _company(companies: dict[str, Company | None], name: object) -> Company | None:
    return companies.get(name) if isinstance(name, str) else None

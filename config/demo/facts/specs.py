"""The shape of a demo asset: plain data, one small dataclass per family of facts.

Each ``facts`` mapping holds model field values as they are passed to the model; the builder in
``config.demo.facts.build`` adds the links (team, asset, study, site, hospital) and writes through the fact services.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from assets.models.assets import CompanyKind

Facts = Mapping[str, object]


@dataclass(frozen=True)
class CompanySpec:
    name: str
    country: str = ""
    kind: str = CompanyKind.BIOTECH


@dataclass(frozen=True)
class HospitalSpec:
    """A directory entry, matched on name and city so it is never duplicated; ``facts`` apply only when new."""

    name_en: str
    city: str
    facts: Facts = field(default_factory=dict)


@dataclass(frozen=True)
class SiteSpec:
    hospital: HospitalSpec
    facts: Facts = field(default_factory=dict)
    ethics: tuple[Facts, ...] = ()


@dataclass(frozen=True)
class StudySpec:
    facts: Facts
    sites: tuple[SiteSpec, ...] = ()
    evidence: Facts | None = None
    efficacy_claims: tuple[Facts, ...] = ()
    hgr_filings: tuple[Facts, ...] = ()
    nhc_filings: tuple[Facts, ...] = ()


@dataclass(frozen=True)
class DealSpec:
    facts: Facts
    milestones: tuple[Facts, ...] = ()


@dataclass(frozen=True)
class AssetSpec:
    code: str
    originator: CompanySpec
    facts: Facts
    studies: tuple[StudySpec, ...] = ()
    ind_applications: tuple[Facts, ...] = ()
    deal: DealSpec | None = None
    registration_plan: Facts | None = None


def milestone(event: str, kind: str, amount: str, rewards: str = "") -> Facts:
    """A deal milestone; the amount is a decimal string so money never passes through a float."""
    return {"event": event, "kind": kind, "amount": Decimal(amount), "rewards": rewards}

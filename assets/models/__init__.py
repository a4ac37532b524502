"""The facts a deal team collects about an asset, one module per family of facts."""

from assets.models.assets import Asset, Company
from assets.models.common import DatePrecision, TriState
from assets.models.deals import DealTerms, Milestone, RegistrationPlan, RoyaltyTier
from assets.models.directory import HospitalAlias, SiteMatchCandidate, SiteMatchReview
from assets.models.filings import HGRFiling, INDApplication, NHCFiling
from assets.models.hospitals import EthicsApproval, Hospital, StudySite
from assets.models.imports import ImportJob
from assets.models.links import StudyRegistrationLink
from assets.models.registry_watch import RegistryRecordVersion, RegistryWatch, StudyWatch
from assets.models.studies import EfficacyClaim, EvidenceQuality, Study

__all__ = [
    "Asset",
    "Company",
    "DatePrecision",
    "DealTerms",
    "EfficacyClaim",
    "EthicsApproval",
    "EvidenceQuality",
    "HGRFiling",
    "Hospital",
    "HospitalAlias",
    "ImportJob",
    "INDApplication",
    "Milestone",
    "NHCFiling",
    "RegistrationPlan",
    "RegistryRecordVersion",
    "RegistryWatch",
    "RoyaltyTier",
    "SiteMatchCandidate",
    "SiteMatchReview",
    "Study",
    "StudyRegistrationLink",
    "StudySite",
    "StudyWatch",
    "TriState",
]

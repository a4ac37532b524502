"""factory_boy factories shared by the whole suite."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import factory
from django.db.models import Model
from django.utils import timezone

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
from diligence.models import Finding
from teams.models import CounterpartyContact, DealTeam, Membership, User

TEST_PASSWORD = "correct-horse-battery"


class ModelFactory[M: Model](factory.django.DjangoModelFactory[M]):
    """A factory of ``M``: calling it creates and returns an ``M``."""

    class Meta:
        abstract = True

    if TYPE_CHECKING:
        # factory_boy's metaclass turns ``SomeFactory(...)`` into ``SomeFactory.create(...)``; the type checker
        # reads the class's constructor instead, so this tells it what the call returns.
        def __new__(cls, *args: Any, **kwargs: Any) -> M: ...  # type: ignore[misc]


class UserFactory(ModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation  # called with the user it created, not the factory
    def _save_password(self: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save(update_fields=["password"])


class DealTeamFactory(ModelFactory[DealTeam]):
    class Meta:
        model = DealTeam
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class MembershipFactory(ModelFactory[Membership]):
    class Meta:
        model = Membership

    team = factory.SubFactory(DealTeamFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER


class CounterpartyContactFactory(ModelFactory[CounterpartyContact]):
    """A counterparty contact with a password (as after setting one), who may log in as any user does."""

    class Meta:
        model = CounterpartyContact

    team = factory.SubFactory(DealTeamFactory)
    user = factory.SubFactory(UserFactory, is_counterparty=True)
    organisation = factory.Sequence(lambda n: f"Licensor {n} Biopharma")


# --- facts -------------------------------------------------------------------------------------------------


class CompanyFactory(ModelFactory[Company]):
    class Meta:
        model = "assets.Company"

    team = factory.SubFactory(DealTeamFactory)
    name = factory.Sequence(lambda n: f"Company {n} Biotech")
    country = "China"


class AssetFactory(ModelFactory[Asset]):
    class Meta:
        model = "assets.Asset"

    team = factory.SubFactory(DealTeamFactory)
    code = factory.Sequence(lambda n: f"AST-{n:04d}")
    name = factory.Sequence(lambda n: f"Asset {n}")
    modality = "car_t"
    target = "BCMA"
    indications = "Relapsed/refractory multiple myeloma"


class StudyFactory(ModelFactory[Study]):
    class Meta:
        model = "assets.Study"

    asset = factory.SubFactory(AssetFactory)
    team = factory.SelfAttribute("asset.team")
    nct_id = factory.Sequence(lambda n: f"NCT{90000000 + n:08d}")
    title = factory.Sequence(lambda n: f"A phase 1 study of asset {n}")
    phase = "phase_1"
    status = "recruiting"
    sponsor_type = "iit"
    sponsor_type_reason = "lead sponsor is a hospital (class OTHER)"
    start_date = dt.date(2024, 3, 1)
    countries = factory.LazyFunction(lambda: ["China"])


class HospitalFactory(ModelFactory[Hospital]):
    class Meta:
        model = "assets.Hospital"

    name_en = factory.Sequence(lambda n: f"People's Hospital No. {n}")
    name_zh = factory.Sequence(lambda n: f"第{n}人民医院")
    city = "Shanghai"
    province = "Shanghai"
    grade = "grade_a_tertiary"
    grade_verified = True
    grade_verified_on = dt.date(2026, 1, 5)


class StudySiteFactory(ModelFactory[StudySite]):
    class Meta:
        model = "assets.StudySite"

    study = factory.SubFactory(StudyFactory)
    hospital = factory.SubFactory(HospitalFactory)
    role = "participating"
    principal_investigator = factory.Faker("name")
    enrollment = 10
    activation_date = dt.date(2024, 3, 15)
    first_enrolled_on = dt.date(2024, 4, 1)


class EthicsApprovalFactory(ModelFactory[EthicsApproval]):
    class Meta:
        model = "assets.EthicsApproval"

    study_site = factory.SubFactory(StudySiteFactory)
    committee = "Hospital ethics committee"
    reference_number = factory.Sequence(lambda n: f"EC-2024-{n:03d}")
    approval_date = dt.date(2024, 2, 20)
    consent_commercial_use = "yes"
    consent_cross_border = "yes"
    consent_future_research = "unknown"


class EfficacyClaimFactory(ModelFactory[EfficacyClaim]):
    class Meta:
        model = "assets.EfficacyClaim"

    study = factory.SubFactory(StudyFactory)
    endpoint = "ORR"
    value = Decimal("80.00")
    patients = 40
    median_follow_up_months = Decimal("12.0")


class EvidenceQualityFactory(ModelFactory[EvidenceQuality]):
    class Meta:
        model = "assets.EvidenceQuality"

    study = factory.SubFactory(StudyFactory)


class HGRFilingFactory(ModelFactory[HGRFiling]):
    class Meta:
        model = "assets.HGRFiling"

    study = factory.SubFactory(StudyFactory)
    kind = "collection_approval"
    reference_number = factory.Sequence(lambda n: f"HGR-{n:05d}")
    submitted_on = dt.date(2024, 1, 10)
    decided_on = dt.date(2024, 2, 10)
    status = "approved"
    covers_samples = True


class NHCFilingFactory(ModelFactory[NHCFiling]):
    class Meta:
        model = "assets.NHCFiling"

    study = factory.SubFactory(StudyFactory)
    academic_review_on = dt.date(2026, 9, 25)
    ethics_approved_on = dt.date(2026, 9, 28)
    filed_on = dt.date(2026, 10, 9)
    filing_number = factory.Sequence(lambda n: f"NHC-{n:05d}")


class INDApplicationFactory(ModelFactory[INDApplication]):
    class Meta:
        model = "assets.INDApplication"

    asset = factory.SubFactory(AssetFactory)
    authority = "nmpa"
    number = factory.Sequence(lambda n: f"CXSL26{n:05d}")
    pathway = "thirty_working_day"
    submitted_on = dt.date(2026, 3, 2)
    accepted_on = dt.date(2026, 3, 6)
    cleared_on = dt.date(2026, 4, 10)


class DealTermsFactory(ModelFactory[DealTerms]):
    class Meta:
        model = "assets.DealTerms"

    asset = factory.SubFactory(AssetFactory)
    direction = "in"
    counterparty = "Westbridge Therapeutics Inc."
    territory = "Worldwide ex-Greater China"
    currency = "USD"
    upfront = Decimal("50000000.00")


class MilestoneFactory(ModelFactory[Milestone]):
    class Meta:
        model = "assets.Milestone"

    deal = factory.SubFactory(DealTermsFactory)
    event = factory.Sequence(lambda n: f"Milestone {n}")
    kind = "regulatory"
    amount = Decimal("100000000.00")


class RegistrationPlanFactory(ModelFactory[RegistrationPlan]):
    class Meta:
        model = "assets.RegistrationPlan"

    asset = factory.SubFactory(AssetFactory)
    target_markets = factory.LazyFunction(lambda: ["US", "CN"])
    mrct_planned = "yes"
    mrct_regions = "US, EU, China"


class RoyaltyTierFactory(ModelFactory[RoyaltyTier]):
    class Meta:
        model = "assets.RoyaltyTier"

    deal = factory.SubFactory(DealTermsFactory)
    annual_net_sales_from = factory.Sequence(lambda n: Decimal(n) * Decimal("100000000"))
    rate_percent = Decimal("8.00")


class FindingFactory(ModelFactory[Finding]):
    """A finding as a rule would raise it, written directly: for tests of what counts findings, not of the rules."""

    class Meta:
        model = "diligence.Finding"

    asset = factory.SubFactory(AssetFactory)
    team = factory.LazyAttribute(lambda finding: finding.asset.team)
    rule_id = factory.Sequence(lambda n: f"rule-{n}")
    subject = "asset"
    question = "data_integrity"
    severity = "high"
    kind = "breach"
    status = "open"
    citation = "test"
    title = "t"
    message = "m"
    computed_at = factory.LazyFunction(timezone.now)

"""Deal terms (money as Decimal with a currency, never float) and the registration plan they are priced against."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from assets.models.assets import Asset
from assets.models.common import TriState, VersionedFact, choice_constraint, tri_state_field

NOT_NEGATIVE = MinValueValidator(Decimal("0"), "Amounts cannot be negative.")


def money_field(verbose_name: str, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=16, decimal_places=2, validators=[NOT_NEGATIVE], **kwargs)


def not_negative(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__isnull": True}) | models.Q(**{f"{field}__gte": 0}), name=name
    )


class DealTermsDirection(models.TextChoices):
    IN_LICENSING = "in", "In-licensing"
    OUT_LICENSING = "out", "Out-licensing"


class DealTermsCurrency(models.TextChoices):
    USD = "USD", "USD"
    EUR = "EUR", "EUR"
    CNY = "CNY", "CNY"
    GBP = "GBP", "GBP"
    JPY = "JPY", "JPY"
    CHF = "CHF", "CHF"


class DealTerms(VersionedFact):
    """The licence deal on an asset, as the team knows it."""

    team_path = "asset__team"
    asset_path = "asset"

    Direction = DealTermsDirection

    Currency = DealTermsCurrency

    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, related_name="deal_terms")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    counterparty = models.CharField(max_length=200)
    territory = models.CharField(max_length=200, blank=True, help_text="e.g. worldwide ex-Greater China")
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    upfront = money_field("upfront", default=Decimal("0"))
    equity = money_field("equity investment", default=Decimal("0"))
    usd_rate = models.DecimalField(
        "USD per unit of the deal currency",
        max_digits=14,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.000001"), "A rate is more than zero.")],
        help_text="The recorded rate amounts are compared with USD limits at, e.g. 0.138 for CNY; blank for USD deals.",
    )
    technical_data_sharing = tri_state_field("technical data-sharing clause")
    signed_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "deal terms"
        verbose_name_plural = "deal terms"
        constraints = [
            not_negative("upfront", "deal_terms_upfront_not_negative"),
            not_negative("equity", "deal_terms_equity_not_negative"),
            models.CheckConstraint(
                condition=models.Q(usd_rate__isnull=True) | models.Q(usd_rate__gt=0),
                name="deal_terms_usd_rate_positive",
            ),
            choice_constraint("direction", DealTermsDirection, "deal_terms_direction_valid"),
            choice_constraint("currency", DealTermsCurrency, "deal_terms_currency_valid"),
            choice_constraint("technical_data_sharing", TriState, "deal_terms_data_sharing_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} with {self.counterparty}"

    def milestones_total(self) -> Decimal:
        return sum((m.amount for m in self.milestones.all()), Decimal("0"))

    def total_value(self) -> Decimal:
        """Upfront, equity and every milestone: the headline 'deal value'."""
        return self.upfront + self.equity + self.milestones_total()

    def in_usd(self, amount: Decimal) -> Decimal | None:
        """``amount`` of the deal's currency in USD at the recorded rate; None when no rate is recorded."""
        if self.currency == DealTermsCurrency.USD:
            return amount
        return None if self.usd_rate is None else amount * self.usd_rate

    def upfront_share(self) -> Decimal | None:
        total = self.total_value()
        return None if not total else (self.upfront / total)


class MilestoneKind(models.TextChoices):
    DEVELOPMENT = "development", "Development"
    REGULATORY = "regulatory", "Regulatory"
    SALES = "sales", "Sales"


class MilestoneRewards(models.TextChoices):
    """What the milestone pays for: while the evidence is IIT-grade, value belongs on US IND clearance and
    confirmatory data."""

    US_IND_CLEARANCE = "us_ind_clearance", "US IND clearance"
    CONFIRMATORY_DATA = "confirmatory_data", "Confirmatory (registration-grade) data"
    NMPA_APPROVAL = "nmpa_approval", "NMPA approval"
    OTHER_REGULATORY = "other_regulatory", "Other regulatory event"
    SALES = "sales", "Sales"
    OTHER = "other", "Other"


class Milestone(VersionedFact):
    team_path = "deal__asset__team"
    asset_path = "deal__asset"
    Kind = MilestoneKind
    Rewards = MilestoneRewards

    deal = models.ForeignKey(DealTerms, on_delete=models.CASCADE, related_name="milestones")
    event = models.CharField(max_length=200, help_text="e.g. US IND clearance, NMPA approval, first $500M net sales")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    rewards = models.CharField(
        "what it rewards", max_length=20, choices=Rewards.choices, blank=True, help_text="Blank: not classified yet."
    )
    amount = money_field("amount")

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "amount", "pk"]
        constraints = [
            not_negative("amount", "milestone_amount_not_negative"),
            choice_constraint("kind", MilestoneKind, "milestone_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(rewards__in=[*MilestoneRewards.values, ""]), name="milestone_rewards_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event}: {self.amount}"


class RoyaltyTier(VersionedFact):
    team_path = "deal__asset__team"
    asset_path = "deal__asset"
    deal = models.ForeignKey(DealTerms, on_delete=models.CASCADE, related_name="royalty_tiers")
    annual_net_sales_from = money_field("annual net sales from", default=Decimal("0"))
    rate_percent = models.DecimalField(
        "royalty rate (%)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["annual_net_sales_from", "pk"]
        constraints = [
            not_negative("annual_net_sales_from", "royalty_tier_threshold_not_negative"),
            models.CheckConstraint(
                condition=models.Q(rate_percent__gte=0, rate_percent__lte=100), name="royalty_tier_rate_percent"
            ),
            models.UniqueConstraint(fields=["deal", "annual_net_sales_from"], name="royalty_tier_unique_threshold"),
        ]

    def __str__(self) -> str:
        return f"{self.rate_percent}% from {self.annual_net_sales_from}"


class RegistrationPlanMarket(models.TextChoices):
    US = "US", "United States"
    EU = "EU", "European Union"
    CN = "CN", "China"
    OTHER = "other", "Other"


class RegistrationPlan(VersionedFact):
    """How the team means to register the asset: the IIT as supportive evidence, an MRCT as the pivotal one."""

    team_path = "asset__team"
    asset_path = "asset"

    Market = RegistrationPlanMarket

    asset = models.OneToOneField(Asset, on_delete=models.CASCADE, related_name="registration_plan")
    target_markets = models.JSONField(default=list, blank=True)
    us_filing_relies_on_iit = tri_state_field("US filing will rely on the IIT data")
    mrct_planned = tri_state_field("multi-regional confirmatory trial (MRCT) planned")
    mrct_regions = models.CharField("MRCT regions", max_length=200, blank=True, help_text="e.g. US, EU, China, Japan")
    planned_us_ind_on = models.DateField("planned US IND", null=True, blank=True)
    regeneration_cost_usd = money_field(
        "estimated cost to re-generate the data to registration grade (USD)", null=True, blank=True
    )
    regeneration_months = models.PositiveIntegerField(
        "estimated time to re-generate the data to registration grade (months)", null=True, blank=True
    )
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            choice_constraint("us_filing_relies_on_iit", TriState, "registration_plan_relies_valid"),
            choice_constraint("mrct_planned", TriState, "registration_plan_mrct_valid"),
            not_negative("regeneration_cost_usd", "registration_plan_regeneration_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Registration plan for {self.asset}"

    @property
    def targets_us(self) -> bool:
        return self.Market.US in self.target_markets

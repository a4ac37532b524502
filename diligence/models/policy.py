"""The firm's own thresholds where the regulations state none: house policy, edited by staff in the admin."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

if TYPE_CHECKING:
    from teams.models import User

SINGLE_ROW = 1


class HousePolicy(models.Model):
    """One row. The rules read it with the facts; findings and memos show each value as "house policy", never as
    law. Defaults are the firm's standing values."""

    max_upfront_share = models.DecimalField(
        "largest upfront share of the deal value while the evidence is IIT-grade",
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.100"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="A fraction: 0.100 is 10 %.",
    )
    max_upfront_usd = models.DecimalField(
        "largest upfront in USD while the evidence is IIT-grade",
        max_digits=16,
        decimal_places=2,
        default=Decimal("80000000"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    min_response_rate_patients = models.PositiveIntegerField(
        "fewest patients behind a headline response rate", default=20, validators=[MinValueValidator(1)]
    )
    min_median_follow_up_months = models.DecimalField(
        "shortest median follow-up (months) behind a headline response rate",
        max_digits=5,
        decimal_places=1,
        default=Decimal("6"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    # simple-history's documented hook for naming who made the next save (it ships no types).
    _history_user: User | None

    class Meta:
        verbose_name = "house policy"
        verbose_name_plural = "house policy"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=SINGLE_ROW), name="house_policy_single_row"),
            models.CheckConstraint(
                condition=models.Q(max_upfront_share__gte=0, max_upfront_share__lte=1),
                name="house_policy_upfront_share_fraction",
            ),
        ]

    def __str__(self) -> str:
        return "House policy"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = SINGLE_ROW
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> HousePolicy:
        """The stored policy, or the defaults (unsaved) before staff first edit it: a read never writes."""
        return cls.objects.filter(pk=SINGLE_ROW).first() or cls(pk=SINGLE_ROW)

"""House policy: the firm's own thresholds. Changing one recomputes every asset's findings, which read it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from assets.models import Asset
from diligence.models import HousePolicy
from diligence.services.findings import findings_recompute_affected

if TYPE_CHECKING:
    from teams.models import User


@transaction.atomic
def house_policy_save(*, policy: HousePolicy, user: User | None) -> HousePolicy:
    """Validate and store the policy (with its history), then recompute every asset's findings under it."""
    policy.full_clean()
    policy._history_user = user  # simple-history's documented hook for the actor
    policy.save()
    findings_recompute_affected(asset_ids=Asset.objects.values_list("pk", flat=True))
    return policy

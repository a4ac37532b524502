"""Demo facts for ``python manage.py seed_demo``: the public reference cases, a synthetic risk case, atlas's asset.

Illustrative throughout (``Asset.is_illustrative``); each asset's notes say which facts are public and which
are not. Idempotent: an asset whose code the team already has is left alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from config.demo.facts.atlas import ATL_101
from config.demo.facts.build import asset_seed
from config.demo.facts.public_cases import CT053, LCAR_B38M
from config.demo.facts.risk import DEMO_RISK

if TYPE_CHECKING:
    from teams.models import DealTeam, User

PHOENIX_ASSETS = (LCAR_B38M, CT053, DEMO_RISK)
ATLAS_ASSETS = (ATL_101,)


def seed_demo_facts(*, phoenix: DealTeam, atlas: DealTeam, user: User | None = None) -> list[str]:
    """Create the demo assets each team lacks, with all their facts; the codes of the assets created."""
    plan = [(phoenix, spec) for spec in PHOENIX_ASSETS] + [(atlas, spec) for spec in ATLAS_ASSETS]
    return [spec.code for team, spec in plan if asset_seed(team=team, spec=spec, user=user) is not None]

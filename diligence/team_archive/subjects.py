"""Finding subjects that survive the move to another install.

A rule names what it is about by a kind's slug and a database id (``site:12``, ``ind:5:first_dose``); the archive
names the same object by its path in the asset's dossier (``site@$.studies[0].sites[1]``,
``ind@$.ind_applications[0]:first_dose``), which the restored asset shares. A subject whose id cannot be placed in the
dossier (a resolved finding about a deleted site, or a kind the registry does not hang under the asset) becomes
``site@gone:12``: kept as it is on both sides, it can never be taken for a live object's id.
Subjects without an id (``asset``, ``deal``) travel unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from django.db import models

from assets.dossier.locate import dossier_locations
from assets.kinds import KINDS
from assets.models import Asset

# The id-bearing subject kinds (the rules in diligence/rules/ write ``<slug>:<id>``), and the model each id belongs
# to: every kind under the asset, so each has a place in the dossier.
SUBJECT_MODELS: Final[dict[str, type[models.Model]]] = {kind.slug: kind.model for kind in KINDS}

_STORED = re.compile(r"^(?P<kind>[a-z_]+):(?P<pk>\d+)(?P<rest>(?::.*)?)$", re.DOTALL)
_PORTABLE = re.compile(r"^(?P<kind>[a-z_]+)@(?P<path>\$[^:]*)(?P<rest>(?::.*)?)$", re.DOTALL)


class Subjects:
    """Translates one asset's finding subjects between their stored form and the archive's."""

    def __init__(self, asset: Asset) -> None:
        located = dossier_locations(asset=asset)
        names = {model: kind for kind, model in SUBJECT_MODELS.items()}
        self._paths = {(names[model], pk): path for (model, pk), path in located.items() if model in names}
        self._ids = {(kind, path): pk for (kind, pk), path in self._paths.items()}

    def portable(self, subject: str) -> str:
        """``site:12`` -> ``site@$.studies[0].sites[1]`` (or ``site@gone:12`` when site 12 is no longer there)."""
        match = _STORED.match(subject)
        if match is None:
            return subject
        kind, pk, rest = match["kind"], int(match["pk"]), match["rest"]
        path = self._paths.get((kind, pk))
        return f"{kind}@{path}{rest}" if path is not None else f"{kind}@gone:{pk}{rest}"

    def stored(self, subject: str) -> str:
        """The archive's form back to this install's ids; a subject that names nothing here is kept as it is."""
        match = _PORTABLE.match(subject)
        if match is None:
            return subject
        pk = self._ids.get((match["kind"], match["path"]))
        return f"{match['kind']}:{pk}{match['rest']}" if pk is not None else subject


def translate_snapshot(snapshot: object, translate: Callable[[str], str]) -> object:
    """A memo snapshot with the subjects of its findings (and of its "changes since" findings) translated;
    everything else, the printed text included, stays exactly as it was frozen."""
    if not isinstance(snapshot, dict):
        return snapshot
    result = dict(snapshot)
    if isinstance(result.get("findings"), list):
        result["findings"] = _rows(result["findings"], translate)
    if isinstance(changes := result.get("changes"), dict):
        result["changes"] = {
            key: _rows(value, translate) if key.startswith("findings_") and isinstance(value, list) else value
            for key, value in changes.items()
        }
    return result


def _rows(rows: list[object], translate: Callable[[str], str]) -> list[object]:
    return [
        {**row, "subject": translate(row["subject"])}
        if isinstance(row, dict) and isinstance(row.get("subject"), str)
        else row
        for row in rows
    ]

"""Where each object of an asset sits in its dossier: a JSON path that means the same object on every install.

Database ids differ between two installs; a position in the dossier does not, because the dossier orders its lists by
what they say and an imported dossier exports exactly as the original did. Another document can therefore name one of
the asset's objects by its path (``$.studies[0].sites[1]``) and be read back against the imported asset.
"""

from __future__ import annotations

from assets.dossier.export import Location, dossier_export_located
from assets.models import Asset


def dossier_locations(*, asset: Asset) -> dict[Location, str]:
    """``(model, pk) -> JSON path`` in the asset's dossier for every object under the asset, of every kind the
    registry hangs under it (studies and all below them, IND applications, deal terms and their parts, the plan).
    Objects whose documents are identical cannot be told apart by any reader of the dossier; each still gets a path
    of its own."""
    _document, located = dossier_export_located(asset=asset)
    return located

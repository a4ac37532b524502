"""Where each object of an asset sits in its dossier: a JSON path that means the same object on every install.

Database ids differ between two installs; a position in the dossier does not, because the dossier orders its lists by
what they say and an imported dossier exports exactly as the original did. Another document can therefore name one of
the asset's objects by its path (``$.studies[0].sites[1]``) and be read back against the imported asset.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import models

from assets.dossier.export import _site, _study, dossier_export
from assets.dossier.fields import values_of
from assets.models import Asset, EfficacyClaim, EthicsApproval, HGRFiling, INDApplication, NHCFiling, Study, StudySite

Location = tuple[type[models.Model], int]


def dossier_locations(*, asset: Asset) -> dict[Location, str]:
    """``(model, pk) -> JSON path`` in the asset's dossier for each study, efficacy claim, site, ethics approval,
    HGR filing, NHC filing and IND application of the asset."""
    document = dossier_export(asset=asset)
    studies = (
        Study.objects.filter(asset=asset)
        .select_related("funding_company", "evidence")
        .prefetch_related("efficacy_claims", "sites__hospital", "sites__ethics_approvals", "hgr_filings", "nhc_filings")
    )
    located: dict[Location, str] = {}
    for study, index in _match(studies, document["studies"], _study):
        path, study_document = f"$.studies[{index}]", document["studies"][index]
        located[(Study, study.pk)] = path
        _leaves(located, EfficacyClaim, study.efficacy_claims.all(), study_document, path, "efficacy_claims")
        _leaves(located, HGRFiling, study.hgr_filings.all(), study_document, path, "hgr_filings")
        _leaves(located, NHCFiling, study.nhc_filings.all(), study_document, path, "nhc_filings")
        for site, site_index in _match(study.sites.all(), study_document["sites"], _site):
            site_path = f"{path}.sites[{site_index}]"
            located[(StudySite, site.pk)] = site_path
            site_document = study_document["sites"][site_index]
            _leaves(located, EthicsApproval, site.ethics_approvals.all(), site_document, site_path, "ethics_approvals")
    _leaves(located, INDApplication, asset.ind_applications.all(), document, "$", "ind_applications")
    return located


def _leaves(
    located: dict[Location, str],
    model: type[models.Model],
    objects: Iterable[models.Model],
    parent: dict[str, Any],
    path: str,
    key: str,
) -> None:
    for obj, index in _match(objects, parent[key], values_of):
        located[(model, obj.pk)] = f"{path}.{key}[{index}]"


def _match[M: models.Model](
    objects: Iterable[M], documents: list[dict[str, Any]], as_document: Callable[[M], dict[str, Any]]
) -> Iterator[tuple[M, int]]:
    """Each object with the index of its document in the exported list. Objects whose documents are identical
    cannot be told apart by any reader of the dossier; each still gets an index of its own."""
    free: dict[str, list[int]] = {}
    for index, document in enumerate(documents):
        free.setdefault(_canonical(document), []).append(index)
    for obj in objects:
        indexes = free.get(_canonical(as_document(obj)))
        if indexes:
            yield obj, indexes.pop(0)


def _canonical(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, ensure_ascii=False)

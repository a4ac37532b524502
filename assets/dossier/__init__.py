"""Dossiers: an asset with everything under it as one JSON document (``schema.json``), out and back in."""

from assets.dossier.errors import DossierError, DossierProblem
from assets.dossier.export import dossier_dumps, dossier_export
from assets.dossier.importer import DossierImportResult, dossier_import, dossier_loads

__all__ = [
    "DossierError",
    "DossierImportResult",
    "DossierProblem",
    "dossier_dumps",
    "dossier_export",
    "dossier_import",
    "dossier_loads",
]

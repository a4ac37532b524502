"""Registry import: ClinicalTrials.gov (API v2 JSON, legacy XML) and ChiCTR (WHO ICTRP XML) records as studies."""

from assets.registry.errors import RegistryProblem
from assets.registry.fetch import FetchedRecord, RegistryFetchError, ctgov_fetch, normalise_nct_id
from assets.registry.services import (
    FieldChange,
    FileOutcome,
    ImportReport,
    RegistryFile,
    StudyOutcome,
    mark_replaced,
    registry_import,
    registry_import_file,
)

__all__ = [
    "FetchedRecord",
    "FieldChange",
    "FileOutcome",
    "ImportReport",
    "RegistryFetchError",
    "RegistryFile",
    "RegistryProblem",
    "StudyOutcome",
    "ctgov_fetch",
    "mark_replaced",
    "normalise_nct_id",
    "registry_import",
    "registry_import_file",
]

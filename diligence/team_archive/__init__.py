"""A whole deal team as one zip archive, out (``export_team``) and back into another install (``import_team``)."""

from diligence.team_archive.export import ExportResult, team_export
from diligence.team_archive.layout import FORMAT, VERSION, ArchiveError
from diligence.team_archive.restore import RestoreResult, team_restore

__all__ = ["FORMAT", "VERSION", "ArchiveError", "ExportResult", "RestoreResult", "team_export", "team_restore"]

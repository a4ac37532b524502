"""The search index: one row per searchable record, with the words it is found by and where it lives."""

from __future__ import annotations

from django.db import models


class SearchKind(models.TextChoices):
    # In the order results are shown.
    ASSET = "asset", "Assets"
    STUDY = "study", "Studies"
    HOSPITAL = "hospital", "Hospitals"
    FINDING = "finding", "Findings"
    ITEM = "item", "Checklist items"
    COMMENT = "comment", "Comments"
    EVIDENCE = "evidence", "Evidence files"
    MEMO = "memo", "Memos"
    REQUEST = "request", "Requests to the counterparty"


class SearchEntry(models.Model):
    """Derived data, rebuilt from the records by ``diligence.search.index`` (``manage.py search_index``).

    ``team`` is whose information it is (empty for the shared hospital directory), and searches are scoped by it.
    The text index on ``terms`` is made by the migration for each database (a GIN index on PostgreSQL, an FTS5
    table on SQLite): neither can be declared here for both.
    """

    Kind = SearchKind

    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    team = models.ForeignKey("teams.DealTeam", null=True, on_delete=models.CASCADE, related_name="+")
    asset = models.ForeignKey("assets.Asset", null=True, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=300)
    where = models.CharField(max_length=300, help_text="Where the record lives, e.g. 'CT053 · Checklist'.")
    path = models.CharField(max_length=500)
    body = models.TextField(help_text="The text shown around a match.")
    terms = models.TextField(help_text="The words it is found by (diligence.search.terms).")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique_record")]
        indexes = [models.Index(fields=["asset", "kind"], name="search_entry_asset_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

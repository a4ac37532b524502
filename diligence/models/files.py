"""What every stored document keeps beside its file: the name it was sent under (only ever shown), what it is, its
size and digest, the date it bears and when it arrived. The file field itself is each model's, for its own path."""

from __future__ import annotations

from django.db import models


class StoredDocument(models.Model):
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    # An ethics approval dated 2019 uploaded today: the date the document bears, apart from its upload.
    document_date = models.DateField(null=True, blank=True, help_text="The date the document bears.")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

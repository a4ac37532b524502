"""Signals the facts send. ``diligence`` listens (findings are recomputed); ``assets`` never imports ``diligence``."""

from django.dispatch import Signal

# Sent inside the writing transaction with ``team_id`` and ``asset_ids`` (the assets whose facts moved).
facts_changed = Signal()

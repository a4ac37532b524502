"""Reads for the ``diligence`` app, scoped through ``teams.access``."""

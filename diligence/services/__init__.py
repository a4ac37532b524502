"""Writes for the ``diligence`` app, one module per family."""

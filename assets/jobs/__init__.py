"""Imports run by a Celery worker: registry files, a ClinicalTrials.gov fetch, a dossier; one result line per file."""

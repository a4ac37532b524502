"""Demo data for ``python manage.py seed_demo``: teams, logins, the public reference cases and a checklist in progress.

Machinery of the project, not a feature of a domain app: it writes through the apps' own services like any caller.
"""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo teams, logins and facts (`manage.py seed_demo`), kept apart from the domain apps."""

    name = "config.demo"
    label = "demo"
    verbose_name = "Demo data"

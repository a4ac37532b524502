from django.apps import AppConfig


class TeamsConfig(AppConfig):
    """People, deal teams and memberships, the access policy every other app asks, and the access log."""

    name = "teams"
    verbose_name = "People and teams"

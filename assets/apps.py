from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AssetsConfig(AppConfig):
    name = "assets"
    verbose_name = "Assets and facts"

    def ready(self) -> None:
        from assets.curators import curator_group_ensure

        post_migrate.connect(curator_group_ensure, sender=self, dispatch_uid="assets.curator_group")

from django.apps import AppConfig


class DiligenceConfig(AppConfig):
    name = "diligence"
    verbose_name = "Diligence"

    def ready(self) -> None:
        from diligence import receivers  # noqa: F401 - connects the findings recompute to fact changes

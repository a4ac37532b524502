from django.apps import AppConfig


class DiligenceConfig(AppConfig):
    name = "diligence"
    verbose_name = "Diligence"

from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark: a tool of the project, not a feature of any domain app. Installed only for its command."""

    name = "config.bench"
    label = "bench"
    verbose_name = "Benchmark"

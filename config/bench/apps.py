from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark: a tool of the project, not a feature of any domain app. Installed everywhere for its
    command; its development-only needs are imported only when it runs."""

    name = "config.bench"
    label = "bench"
    verbose_name = "Benchmark"

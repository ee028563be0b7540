from django.apps import AppConfig


class MinimalConfig(AppConfig):
    """Installed by config.settings.bench only: never part of the product's INSTALLED_APPS."""

    name = "bench.minimal"
    label = "bench_minimal"
    default_auto_field = "django.db.models.BigAutoField"

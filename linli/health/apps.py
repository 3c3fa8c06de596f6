from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "linli.health"
    label = "health"
    verbose_name = "Epidemic mode"

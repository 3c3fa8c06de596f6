from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "linli.health"
    label = "health"
    verbose_name = _("Epidemic mode")

    def ready(self) -> None:
        from linli.core import today
        from linli.health.today import items

        today.register("health", items)
        from linli.health import overview

        overview.register()  # the one-screen overview's counters and layers

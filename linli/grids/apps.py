from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "linli.grids"
    label = "grids"
    verbose_name = _("Grids")

    def ready(self) -> None:
        from linli.grids import overview

        overview.register()  # the grids on the one-screen overview's map

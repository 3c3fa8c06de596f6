from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "linli.imports"
    label = "imports"
    verbose_name = _("Spreadsheet import")

    def ready(self) -> None:
        from linli.core import today
        from linli.imports.today import items

        today.register("imports", items)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DownloadsConfig(AppConfig):
    name = "linli.downloads"
    label = "downloads"
    verbose_name = _("Files made for download")

    def ready(self) -> None:
        from linli.core import today
        from linli.downloads.today import items

        today.register("downloads", items)

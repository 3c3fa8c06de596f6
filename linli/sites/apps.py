from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SitesConfig(AppConfig):
    name = "linli.sites"
    label = "sites"
    verbose_name = _("Disinfection points and shelters")

    def ready(self) -> None:
        from linli.sites import overview

        overview.register()  # the flood and disinfection scenarios of the one-screen overview
        from linli.core import today
        from linli.sites.today import items

        today.register("sites", items)  # the day's disinfection round on the home page

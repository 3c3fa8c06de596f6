from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "linli.sites"
    label = "sites"
    verbose_name = "Field sites: disinfection points and shelters (消杀点位、应急避难场所)"

    def ready(self) -> None:
        from linli.sites import overview

        overview.register()  # the flood and disinfection scenarios of the one-screen overview

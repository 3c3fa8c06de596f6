from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "linli.people"
    label = "people"
    verbose_name = _("People")

    def ready(self) -> None:
        from linli.people.exports import register_maker

        register_maker()
        from linli.people import overview

        overview.register()  # the one-screen overview's counters and layers

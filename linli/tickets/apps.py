from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "linli.tickets"
    label = "tickets"
    verbose_name = _("Residents' requests")

    def ready(self) -> None:
        from linli.tickets.catalogue import install_builtin_categories

        post_migrate.connect(install_builtin_categories, sender=self, dispatch_uid="linli_ticket_categories")
        from linli.core import today
        from linli.tickets.today import items

        today.register("tickets", items)

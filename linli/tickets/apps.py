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
        from linli.tickets import overview

        overview.register()  # the one-screen overview's counters and layers

        # A request for groceries or medicine says who was under quarantine: it goes with the
        # epidemic records once the emergency is over (with its history, photos and delivery),
        # counted per community and day first.
        from linli.health.retention import EpidemicRecords, purge_with_health
        from linli.tickets.models import Ticket

        purge_with_health(EpidemicRecords(
            name="delivery_requests",
            dated_before=lambda before: Ticket.objects.filter(category__delivery=True, created_at__date__lt=before),
            counted_by=("path", "created_at", "status"),
            measure_prefix="delivery_request_",
        ))

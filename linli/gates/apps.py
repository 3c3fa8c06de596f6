from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GatesConfig(AppConfig):
    name = "linli.gates"
    label = "gates"
    verbose_name = _("Gates")

    def ready(self) -> None:
        from linli.core import today
        from linli.gates.models import GateEvent
        from linli.gates.today import items
        from linli.health.retention import EpidemicRecords, purge_with_health

        today.register("gates", items)

        # Scans and visitors are epidemic records too; a visitor's record goes with its event.
        purge_with_health(EpidemicRecords(
            name="gate_events",
            dated_before=lambda before: GateEvent.objects.filter(occurred_at__date__lt=before),
            counted_by=("path", "occurred_at", "kind"),
            measure_prefix="gate_",
        ))

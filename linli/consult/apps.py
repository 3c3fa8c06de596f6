from django.apps import AppConfig


class ConsultConfig(AppConfig):
    name = "linli.consult"
    label = "consult"
    verbose_name = "Consultations (协商)"

    def ready(self) -> None:
        from linli.consult.today import items
        from linli.core import today

        today.register("consult", items)

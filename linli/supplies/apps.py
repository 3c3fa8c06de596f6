from django.apps import AppConfig


class SuppliesConfig(AppConfig):
    name = "linli.supplies"
    label = "supplies"
    verbose_name = "Emergency materials (应急物资)"

    def ready(self) -> None:
        from linli.core import today
        from linli.supplies.today import items

        today.register("supplies", items)

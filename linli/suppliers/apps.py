from django.apps import AppConfig


class SuppliersConfig(AppConfig):
    name = "linli.suppliers"
    label = "suppliers"
    verbose_name = "Suppliers and donations (供应商与捐赠)"

    def ready(self) -> None:
        from linli.core import today
        from linli.suppliers.today import items

        today.register("suppliers", items)
        from linli.suppliers.downloads import register_maker

        register_maker()  # the stock as a spreadsheet, made in the background (linli.downloads)

from django.apps import AppConfig


class SuppliesConfig(AppConfig):
    name = "linli.supplies"
    label = "supplies"
    verbose_name = "Emergency materials (应急物资)"

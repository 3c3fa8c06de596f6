from django.apps import AppConfig


class GatesConfig(AppConfig):
    name = "linli.gates"
    label = "gates"
    verbose_name = "Gates (门岗)"

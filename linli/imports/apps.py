from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "linli.imports"
    label = "imports"
    verbose_name = "Spreadsheet import"
